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
    private readonly GuardedCodeStore _items;

    public LinearScanIndex(string version, int bits, int initialCapacity = 1024)
    {
        Version = IndexNames.ValidateVersion(version);
        Bits = BinaryCode.ValidateLength(bits, nameof(bits));
        _items = new GuardedCodeStore(bits, initialCapacity);
    }

    public string Version { get; }

    public int Bits { get; }

    /// <summary>The kernel searches use; tests pin each one in turn.</summary>
    internal ScanKernel Kernel { get; set; } = HammingScan.Best;

    /// <summary>Approximate bytes of memory the index holds.</summary>
    public long EstimateBytes() => _items.Read(0, static (_, store) => store.EstimateBytes());

    public ValueTask<UpsertOutcome> UpsertAsync(string id, BinaryCode code, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        IndexArguments.CheckCode(code, Bits, nameof(code));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_items.Write((id, code), static (s, store) => Upsert(store, s.id, s.code.Words)));
    }

    public ValueTask<UpsertSummary> UpsertManyAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_items.UpsertMany(entries, (id, code) => Upsert(_items.Store, id, code), cancellationToken));

    private static UpsertOutcome Upsert(DenseCodeStore store, string id, ReadOnlySpan<ulong> code)
    {
        if (store.TryGetSlot(id, out var slot))
        {
            if (store.CodeAt(slot).SequenceEqual(code))
            {
                return UpsertOutcome.Unchanged;
            }

            store.Overwrite(slot, code);
            return UpsertOutcome.Updated;
        }

        store.Add(id, code);
        return UpsertOutcome.Inserted;
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_items.Write(id, static (id, store) =>
        {
            if (!store.TryGetSlot(id, out var slot))
            {
                return false;
            }

            store.RemoveAt(slot);
            return true;
        }));
    }

    public ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken = default) => _items.GetCodeAsync(id, cancellationToken);

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _items.CountAsync(cancellationToken);

    public IAsyncEnumerable<string> EnumerateIdsAsync(CancellationToken cancellationToken = default) => _items.EnumerateIdsAsync(cancellationToken);

    public ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckK(k);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<Neighbor>>(_items.Read((query, k, Kernel, Bits), static (s, store) =>
        {
            var collector = new NearestCollector(Math.Min(s.k, store.Count), store.Ids, s.Bits, offersRepeat: false);
            var sink = new NearestCollector.Sink(collector);
            HammingScan.Scan(s.Kernel, store.Codes, store.WordsPerCode, s.query.Words, ref sink);
            return collector.ToSortedArray();
        }));
    }

    public ValueTask<IReadOnlyList<Neighbor>> SearchRadiusAsync(BinaryCode query, int radius, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckRadius(radius, Bits);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<Neighbor>>(_items.Read((query, radius, Kernel), static (s, store) =>
            RadiusSink.Scan(s.Kernel, store, s.query.Words, s.radius)));
    }

    public void Dispose() => _items.Dispose();
}
