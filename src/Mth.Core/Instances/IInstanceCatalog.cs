namespace Mth.Core.Instances;

/// <summary>
/// The metadata of indexed instances, independent of index versions (one record per SOP
/// Instance UID, whatever the model). Written by encoders, read by the query service.
/// Writes are idempotent: the same record again changes nothing.
/// </summary>
public interface IInstanceCatalog
{
    /// <summary>Stores the record (replacing another one of the same SOP Instance UID); the same record again changes nothing.
    /// Throws <see cref="ArgumentException"/> for a record that breaks <see cref="InstanceRecords"/>' rules.</summary>
    ValueTask PutAsync(InstanceRecord record, CancellationToken cancellationToken = default);

    /// <summary>Stores several records; each is atomic on its own (a failure part-way leaves earlier ones stored).</summary>
    async ValueTask PutManyAsync(IReadOnlyList<InstanceRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            await PutAsync(record, cancellationToken).ConfigureAwait(false);
        }
    }

    ValueTask<InstanceRecord?> GetAsync(string sopInstanceUid, CancellationToken cancellationToken = default);

    /// <summary>The records found, keyed by SOP Instance UID; absent ids are left out.</summary>
    ValueTask<IReadOnlyDictionary<string, InstanceRecord>> GetManyAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken = default);

    /// <summary>The SOP Instance UIDs recorded for a study.</summary>
    ValueTask<IReadOnlyList<string>> GetStudyInstancesAsync(string studyInstanceUid, CancellationToken cancellationToken = default);

    /// <summary>
    /// At most <paramref name="limit"/> studies, the one whose instances changed last first ("recently stored"):
    /// a study moves to the front when one of its records is stored or replaced by a different one (the same record
    /// again moves nothing); studies left without instances are not listed. Throws
    /// <see cref="ArgumentOutOfRangeException"/> unless 1 &lt;= limit &lt;= <see cref="InstanceRecords.MaxStudyListLimit"/>.
    /// </summary>
    ValueTask<IReadOnlyList<StudySummary>> ListRecentStudiesAsync(int limit, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteAsync(string sopInstanceUid, CancellationToken cancellationToken = default);

    ValueTask<long> CountAsync(CancellationToken cancellationToken = default);
}
