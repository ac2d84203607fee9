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

    public ValueTask<IReadOnlyList<StudySummary>> ListRecentStudiesAsync(int limit, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateStudyListLimit(limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_table.RecentStudies(limit));
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

/// <summary>
/// Records by SOP Instance UID, each study's instances, series and modalities, and the studies in the order of their
/// last change; not thread-safe (callers lock). Every change of a record takes the next sequence number: a study's
/// place in <see cref="RecentStudies"/> is its last change, and <see cref="Records"/> lists records in the order of
/// their last change, so that replaying them (a compacted log) rebuilds the same order.
/// </summary>
internal sealed class InstanceTable
{
    private readonly Dictionary<string, (InstanceRecord Record, long Sequence)> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StudyEntry> _studies = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Sequence, string Study)> _recent = [];
    private long _sequence;

    public int Count => _records.Count;

    /// <summary>Every record, the least recently changed first.</summary>
    public IEnumerable<InstanceRecord> Records => _records.Values.OrderBy(r => r.Sequence).Select(r => r.Record);

    /// <summary>False when the same record was already there (nothing changed).</summary>
    public bool Put(InstanceRecord record)
    {
        if (_records.TryGetValue(record.SopInstanceUid, out var existing))
        {
            if (existing.Record == record)
            {
                return false;
            }

            RemoveFromStudy(existing.Record);
        }

        var sequence = ++_sequence;
        _records[record.SopInstanceUid] = (record, sequence);
        if (!_studies.TryGetValue(record.StudyInstanceUid, out var study))
        {
            study = new StudyEntry();
            _studies.Add(record.StudyInstanceUid, study);
        }
        else
        {
            _recent.Remove((study.Sequence, record.StudyInstanceUid));
        }

        study.Add(record);
        study.Sequence = sequence;
        _recent.Add((sequence, record.StudyInstanceUid));
        return true;
    }

    public InstanceRecord? Get(string sopInstanceUid) => _records.TryGetValue(sopInstanceUid, out var entry) ? entry.Record : null;

    public IReadOnlyDictionary<string, InstanceRecord> GetMany(IEnumerable<string> sopInstanceUids)
    {
        var found = new Dictionary<string, InstanceRecord>(StringComparer.Ordinal);
        foreach (var uid in sopInstanceUids)
        {
            if (_records.TryGetValue(uid, out var entry))
            {
                found[uid] = entry.Record;
            }
        }

        return found;
    }

    public IReadOnlyList<string> StudyInstances(string studyInstanceUid) =>
        _studies.TryGetValue(studyInstanceUid, out var study) ? study.Members.Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>The <paramref name="limit"/> most recently changed studies, newest first.</summary>
    public IReadOnlyList<StudySummary> RecentStudies(int limit) =>
        _recent.Reverse().Take(limit).Select(e => _studies[e.Study].Summary(e.Study)).ToList();

    public bool Delete(string sopInstanceUid)
    {
        if (!_records.Remove(sopInstanceUid, out var existing))
        {
            return false;
        }

        RemoveFromStudy(existing.Record);
        return true;
    }

    private void RemoveFromStudy(InstanceRecord record)
    {
        if (_studies.TryGetValue(record.StudyInstanceUid, out var study) && study.Remove(record) && study.Members.Count == 0)
        {
            _studies.Remove(record.StudyInstanceUid);
            _recent.Remove((study.Sequence, record.StudyInstanceUid));
        }
    }

    /// <summary>A study's instances and how many of them each series and modality has.</summary>
    private sealed class StudyEntry
    {
        public HashSet<string> Members { get; } = new(StringComparer.Ordinal);

        public long Sequence { get; set; }

        private readonly Dictionary<string, int> _series = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _modalities = new(StringComparer.Ordinal);

        public void Add(InstanceRecord record)
        {
            if (Members.Add(record.SopInstanceUid))
            {
                Increment(_series, record.SeriesInstanceUid, 1);
                Increment(_modalities, record.Modality, 1);
            }
        }

        public bool Remove(InstanceRecord record)
        {
            if (!Members.Remove(record.SopInstanceUid))
            {
                return false;
            }

            Increment(_series, record.SeriesInstanceUid, -1);
            Increment(_modalities, record.Modality, -1);
            return true;
        }

        public StudySummary Summary(string studyInstanceUid) => new(
            studyInstanceUid, Members.Count, _series.Count,
            _modalities.Keys.Where(m => m.Length > 0).Order(StringComparer.Ordinal).ToArray());

        private static void Increment(Dictionary<string, int> counts, string key, int by)
        {
            var count = counts.GetValueOrDefault(key) + by;
            if (count > 0)
            {
                counts[key] = count;
            }
            else
            {
                counts.Remove(key);
            }
        }
    }
}
