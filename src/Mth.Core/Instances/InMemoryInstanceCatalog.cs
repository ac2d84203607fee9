namespace Mth.Core.Instances;

/// <summary>
/// Instance records held in process memory (tests, and the Memory index provider); nothing survives a
/// restart. <see cref="Embedded.EmbeddedInstanceCatalog"/> keeps the same state in a folder.
/// </summary>
public sealed class InMemoryInstanceCatalog : IInstanceCatalog
{
    private readonly InstanceTable _table = new();
    private readonly Lock _lock = new();

    public ValueTask PutAsync(InstanceRecord record, CancellationToken cancellationToken = default)
    {
        InstanceRecords.Validate(record);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _table.Put(record);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<InstanceRecord?> GetAsync(string sopInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(sopInstanceUid, nameof(sopInstanceUid));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_table.Get(sopInstanceUid));
        }
    }

    public ValueTask<IReadOnlyDictionary<string, InstanceRecord>> GetManyAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sopInstanceUids);
        foreach (var uid in sopInstanceUids)
        {
            InstanceRecords.ValidateUid(uid, nameof(sopInstanceUids));
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_table.GetMany(sopInstanceUids));
        }
    }

    public ValueTask<IReadOnlyList<string>> GetStudyInstancesAsync(string studyInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(studyInstanceUid, nameof(studyInstanceUid));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_table.StudyInstances(studyInstanceUid));
        }
    }

    public ValueTask<bool> DeleteAsync(string sopInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(sopInstanceUid, nameof(sopInstanceUid));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_table.Delete(sopInstanceUid));
        }
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult((long)_table.Count);
        }
    }
}

/// <summary>Records by SOP Instance UID and the SOP Instance UIDs of each study; not thread-safe (callers lock).</summary>
internal sealed class InstanceTable
{
    private readonly Dictionary<string, InstanceRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _studies = new(StringComparer.Ordinal);

    public int Count => _records.Count;

    public IEnumerable<InstanceRecord> Records => _records.Values;

    /// <summary>False when the same record was already there (nothing changed).</summary>
    public bool Put(InstanceRecord record)
    {
        if (_records.TryGetValue(record.SopInstanceUid, out var existing))
        {
            if (existing == record)
            {
                return false;
            }

            RemoveFromStudy(existing);
        }

        _records[record.SopInstanceUid] = record;
        if (!_studies.TryGetValue(record.StudyInstanceUid, out var members))
        {
            members = new HashSet<string>(StringComparer.Ordinal);
            _studies.Add(record.StudyInstanceUid, members);
        }

        members.Add(record.SopInstanceUid);
        return true;
    }

    public InstanceRecord? Get(string sopInstanceUid) => _records.GetValueOrDefault(sopInstanceUid);

    public IReadOnlyDictionary<string, InstanceRecord> GetMany(IEnumerable<string> sopInstanceUids)
    {
        var found = new Dictionary<string, InstanceRecord>(StringComparer.Ordinal);
        foreach (var uid in sopInstanceUids)
        {
            if (_records.TryGetValue(uid, out var record))
            {
                found[uid] = record;
            }
        }

        return found;
    }

    public IReadOnlyList<string> StudyInstances(string studyInstanceUid) =>
        _studies.TryGetValue(studyInstanceUid, out var members) ? members.Order(StringComparer.Ordinal).ToArray() : [];

    public bool Delete(string sopInstanceUid)
    {
        if (!_records.Remove(sopInstanceUid, out var existing))
        {
            return false;
        }

        RemoveFromStudy(existing);
        return true;
    }

    private void RemoveFromStudy(InstanceRecord record)
    {
        if (_studies.TryGetValue(record.StudyInstanceUid, out var members) && members.Remove(record.SopInstanceUid) && members.Count == 0)
        {
            _studies.Remove(record.StudyInstanceUid);
        }
    }
}
