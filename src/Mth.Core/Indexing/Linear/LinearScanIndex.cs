using System.Runtime.CompilerServices;
using Mth.Core.Codes;
using Mth.Core.Hamming;
using Mth.Core.Indexing.InMemory;

namespace Mth.Core.Indexing.Linear;

/// <summary>
/// Exact search by scanning every code (SIMD popcount where the CPU has it). The reference the other
/// methods are checked against, and the fastest method for small versions. Readers run concurrently;
/// a writer waits for running searches and holds the lock for one item's work.
/// </summary>
public sealed class LinearScanIndex : IHammingIndex, IDisposable
{
    private readonly DenseCodeStore _store;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    public LinearScanIndex(string version, int bits, int initialCapacity = 1024)
    {
        Version = IndexNames.ValidateVersion(version);
        Bits = BinaryCode.ValidateLength(bits, nameof(bits));
        _store = new DenseCodeStore(BinaryCode.WordCount(bits), initialCapacity);
    }

    public string Version { get; }

    public int Bits { get; }

    /// <summary>The kernel searches use; tests pin each one in turn.</summary>
    internal ScanKernel Kernel { get; set; } = HammingScan.Best;

    /// <summary>Approximate bytes of memory the index holds.</summary>
    public long EstimateBytes()
    {
        _lock.EnterReadLock();
        try
        {
            return _store.EstimateBytes();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ValueTask<UpsertOutcome> UpsertAsync(string id, BinaryCode code, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        IndexArguments.CheckCode(code, Bits, nameof(code));
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterWriteLock();
        try
        {
            return ValueTask.FromResult(UpsertLocked(id, code));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public ValueTask<UpsertSummary> UpsertManyAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckEntries(entries, Bits);
        var summary = default(UpsertSummary);
        const int batch = 4096; // let searches in between large loads
        for (var start = 0; start < entries.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _lock.EnterWriteLock();
            try
            {
                var end = Math.Min(entries.Count, start + batch);
                for (var i = start; i < end; i++)
                {
                    summary = summary.Add(UpsertLocked(entries[i].Id, entries[i].Code));
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }

        return ValueTask.FromResult(summary);
    }

    private UpsertOutcome UpsertLocked(string id, BinaryCode code)
    {
        if (_store.TryGetSlot(id, out var slot))
        {
            if (_store.CodeAt(slot).SequenceEqual(code.Words))
            {
                return UpsertOutcome.Unchanged;
            }

            _store.Overwrite(slot, code.Words);
            return UpsertOutcome.Updated;
        }

        _store.Add(id, code.Words);
        return UpsertOutcome.Inserted;
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterWriteLock();
        try
        {
            if (!_store.TryGetSlot(id, out var slot))
            {
                return ValueTask.FromResult(false);
            }

            _store.RemoveAt(slot);
            return ValueTask.FromResult(true);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterReadLock();
        try
        {
            return ValueTask.FromResult(_store.TryGetSlot(id, out var slot) ? BinaryCode.FromWords(_store.CodeAt(slot), Bits) : null);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterReadLock();
        try
        {
            return ValueTask.FromResult((long)_store.Count);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public async IAsyncEnumerable<string> EnumerateIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string[] ids;
        _lock.EnterReadLock();
        try
        {
            ids = _store.SnapshotIds();
        }
        finally
        {
            _lock.ExitReadLock();
        }

        foreach (var id in ids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return id;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckK(k);
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterReadLock();
        try
        {
            var collector = new NearestCollector(Math.Min(k, _store.Count), _store.Ids, Bits, offersRepeat: false);
            var sink = new NearestCollector.Sink(collector);
            HammingScan.Scan(Kernel, _store.Codes, _store.WordsPerCode, query.Words, ref sink);
            return ValueTask.FromResult<IReadOnlyList<Neighbor>>(collector.ToSortedArray());
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ValueTask<IReadOnlyList<Neighbor>> SearchRadiusAsync(BinaryCode query, int radius, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckRadius(radius, Bits);
        cancellationToken.ThrowIfCancellationRequested();
        _lock.EnterReadLock();
        try
        {
            var hits = new List<(int Slot, int Distance)>();
            var sink = new RadiusSink(radius, hits);
            HammingScan.Scan(Kernel, _store.Codes, _store.WordsPerCode, query.Words, ref sink);
            var result = new Neighbor[hits.Count];
            for (var i = 0; i < hits.Count; i++)
            {
                result[i] = new Neighbor(_store.IdAt(hits[i].Slot), hits[i].Distance);
            }

            Array.Sort(result, NeighborOrder.Instance);
            return ValueTask.FromResult<IReadOnlyList<Neighbor>>(result);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Dispose() => _lock.Dispose();
}
