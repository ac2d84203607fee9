using System.Runtime.CompilerServices;
using Mth.Core.Codes;

namespace Mth.Core.Indexing.InMemory;

/// <summary>
/// A <see cref="DenseCodeStore"/> behind a reader-writer lock: the part every in-memory index shares.
/// Searches take the read lock (many at once); a write takes the write lock for one item, and a batch
/// releases it every <see cref="WriteBatch"/> items so searches are not held up by a large load.
/// </summary>
internal sealed class GuardedCodeStore(int bits, int initialCapacity) : IDisposable
{
    public const int WriteBatch = 4096;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    public int Bits { get; } = bits;

    public DenseCodeStore Store { get; } = new(BinaryCode.WordCount(bits), initialCapacity);

    public TResult Read<TState, TResult>(TState state, Func<TState, DenseCodeStore, TResult> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read(state, Store);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public TResult Write<TState, TResult>(TState state, Func<TState, DenseCodeStore, TResult> write)
    {
        _lock.EnterWriteLock();
        try
        {
            return write(state, Store);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Applies <paramref name="upsert"/> (called under the write lock) to every entry, in batches.</summary>
    public UpsertSummary UpsertMany(IReadOnlyList<IndexEntry> entries, Func<string, ReadOnlySpan<ulong>, UpsertOutcome> upsert, CancellationToken cancellationToken)
    {
        IndexArguments.CheckEntries(entries, Bits);
        var summary = default(UpsertSummary);
        for (var start = 0; start < entries.Count; start += WriteBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _lock.EnterWriteLock();
            try
            {
                var end = Math.Min(entries.Count, start + WriteBatch);
                for (var i = start; i < end; i++)
                {
                    summary = summary.Add(upsert(entries[i].Id, entries[i].Code.Words));
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }

        return summary;
    }

    public ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken)
    {
        IndexNames.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read((id, Bits), static (s, store) => store.TryGetSlot(s.id, out var slot) ? BinaryCode.FromWords(store.CodeAt(slot), s.Bits) : null));
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(0, static (_, store) => (long)store.Count));
    }

    public async IAsyncEnumerable<string> EnumerateIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A copy taken under the lock: slots move on deletes, so enumerating live slots could skip items.
        var ids = Read(0, static (_, store) => store.SnapshotIds());
        foreach (var id in ids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return id;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public void Dispose() => _lock.Dispose();
}
