namespace Mth.Core.Instances;

/// <summary>
/// The metadata of indexed instances, independent of index versions (one record per SOP
/// Instance UID, whatever the model). Written by encoders, read by the query service.
/// Writes are idempotent: the same record again changes nothing.
/// </summary>
public interface IInstanceCatalog
{
    ValueTask PutAsync(InstanceRecord record, CancellationToken cancellationToken = default);

    ValueTask<InstanceRecord?> GetAsync(string sopInstanceUid, CancellationToken cancellationToken = default);

    /// <summary>The records found, keyed by SOP Instance UID; absent ids are left out.</summary>
    ValueTask<IReadOnlyDictionary<string, InstanceRecord>> GetManyAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken = default);

    /// <summary>The SOP Instance UIDs recorded for a study.</summary>
    ValueTask<IReadOnlyList<string>> GetStudyInstancesAsync(string studyInstanceUid, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteAsync(string sopInstanceUid, CancellationToken cancellationToken = default);

    ValueTask<long> CountAsync(CancellationToken cancellationToken = default);
}
