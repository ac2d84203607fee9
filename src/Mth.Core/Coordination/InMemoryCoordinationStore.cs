namespace Mth.Core.Coordination;

/// <summary>Coordination documents in process memory (one process, nothing survives a restart).</summary>
public sealed class InMemoryCoordinationStore() : CoordinationTableStore(new CoordinationTable());

/// <summary>A coordination store whose documents live in a <see cref="CoordinationTable"/> (persistent stores journal its changes).</summary>
public abstract class CoordinationTableStore : ICoordinationStore
{
    private protected CoordinationTableStore(CoordinationTable table) => Table = table;

    private protected CoordinationTable Table { get; }

    public ValueTask<CoordinationDocument?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Table.Get(key));

    public ValueTask<long?> TryWriteAsync(string key, string value, long expectedRevision, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Table.TryWrite(key, value, expectedRevision, cancellationToken));

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Table.Delete(key));
}

/// <summary>
/// Documents by key with the compare-and-set rules of <see cref="ICoordinationStore"/>, thread-safe. A persistent
/// store sets hooks that journal each change before the table applies it (under the same lock, so the
/// journal's order is the table's).
/// </summary>
internal sealed class CoordinationTable
{
    private readonly Dictionary<string, CoordinationDocument> _documents = new(StringComparer.Ordinal);
    private Action<CoordinationDocument>? _beforeWrite;
    private Action<string>? _beforeDelete;

    /// <summary>Hooks that journal each change before it is applied; set once, by a persistent store, after replaying its journal.</summary>
    public void JournalWith(Action<CoordinationDocument> beforeWrite, Action<string> beforeDelete)
    {
        _beforeWrite = beforeWrite;
        _beforeDelete = beforeDelete;
    }

    /// <summary>The lock that every operation holds; a persistent store takes it to compact its journal from <see cref="Documents"/>.</summary>
    public Lock Lock { get; } = new();

    /// <summary>The documents; read only while holding <see cref="Lock"/>.</summary>
    public IEnumerable<CoordinationDocument> Documents => _documents.Values;

    public CoordinationDocument? Get(string key)
    {
        CoordinationKeys.Validate(key);
        lock (Lock)
        {
            return _documents.GetValueOrDefault(key);
        }
    }

    /// <summary>Writes when the stored revision (0: absent) is <paramref name="expectedRevision"/>; returns the new revision, or null.</summary>
    public long? TryWrite(string key, string value, long expectedRevision, CancellationToken cancellationToken)
    {
        CoordinationKeys.Validate(key);
        ArgumentNullException.ThrowIfNull(value);
        CoordinationKeys.CheckRevision(expectedRevision);
        cancellationToken.ThrowIfCancellationRequested();
        lock (Lock)
        {
            var current = _documents.TryGetValue(key, out var document) ? document.Revision : 0;
            if (current != expectedRevision)
            {
                return null;
            }

            var written = new CoordinationDocument(key, value, expectedRevision + 1);
            _beforeWrite?.Invoke(written);
            _documents[key] = written;
            return written.Revision;
        }
    }

    public bool Delete(string key)
    {
        CoordinationKeys.Validate(key);
        lock (Lock)
        {
            if (!_documents.ContainsKey(key))
            {
                return false;
            }

            _beforeDelete?.Invoke(key);
            return _documents.Remove(key);
        }
    }

    /// <summary>Applies a change read back from a journal, without the hooks (used while opening, before any caller).</summary>
    public void Restore(CoordinationDocument document) => _documents[document.Key] = document;

    /// <inheritdoc cref="Restore(CoordinationDocument)"/>
    public void RestoreDeletion(string key) => _documents.Remove(key);
}
