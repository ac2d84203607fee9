namespace Mth.Core.Coordination;

/// <summary>Coordination documents in process memory (one process, nothing survives a restart).</summary>
public sealed class InMemoryCoordinationStore : ICoordinationStore
{
    private readonly CoordinationTable _table = new();
    private readonly Lock _lock = new();

    public ValueTask<CoordinationDocument?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        CoordinationKeys.Validate(key);
        lock (_lock)
        {
            return ValueTask.FromResult(_table.Get(key));
        }
    }

    public ValueTask<long?> TryWriteAsync(string key, string value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        CoordinationKeys.Validate(key);
        ArgumentNullException.ThrowIfNull(value);
        CoordinationKeys.CheckRevision(expectedRevision);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_table.RevisionOf(key) != expectedRevision)
            {
                return ValueTask.FromResult<long?>(null);
            }

            return ValueTask.FromResult<long?>(_table.Set(key, value, expectedRevision + 1).Revision);
        }
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        CoordinationKeys.Validate(key);
        lock (_lock)
        {
            return ValueTask.FromResult(_table.Remove(key));
        }
    }
}

/// <summary>Documents by key; not thread-safe (callers lock).</summary>
internal sealed class CoordinationTable
{
    private readonly Dictionary<string, CoordinationDocument> _documents = new(StringComparer.Ordinal);

    public IEnumerable<CoordinationDocument> Documents => _documents.Values;

    public CoordinationDocument? Get(string key) => _documents.GetValueOrDefault(key);

    public long RevisionOf(string key) => _documents.TryGetValue(key, out var document) ? document.Revision : 0;

    public CoordinationDocument Set(string key, string value, long revision)
    {
        var document = new CoordinationDocument(key, value, revision);
        _documents[key] = document;
        return document;
    }

    public bool Remove(string key) => _documents.Remove(key);
}
