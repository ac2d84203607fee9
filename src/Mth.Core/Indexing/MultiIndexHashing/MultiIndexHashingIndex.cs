using System.Numerics;
using Mth.Core.Codes;
using Mth.Core.Hamming;
using Mth.Core.Indexing.InMemory;

namespace Mth.Core.Indexing.MultiIndexHashing;

/// <summary>
/// Exact k-NN and radius search by multi-index hashing (Norouzi, Punjani &amp; Fleet, "Fast Exact Search
/// in Hamming Space with Multi-Index Hashing", TPAMI 2014): each code is cut into m substrings and
/// entered in m tables keyed by substring value. A search probes the buckets at substring radius
/// r = 0, 1, 2, … table by table; after table j at radius r every item within m·r + j of the query has
/// been seen (pigeonhole), so the search stops once its k-th best distance is within that bound.
/// When the probes needed exceed a share of the version size (codes too long for the database, or a tiny
/// database), it finishes with a linear scan instead, which is exact too and cheaper there.
/// Readers run concurrently; a writer waits for running searches and holds the lock for one item's work.
/// </summary>
public sealed class MultiIndexHashingIndex : IHammingIndex, IDisposable
{
    /// <summary>Probing stops being worth it when it costs more than scanning this share of the items (a probe ≈ 16 codes scanned).</summary>
    private const int ProbeCostInCodes = 16;

    private readonly GuardedCodeStore _items;
    private readonly SubstringTable[] _tables;

    public MultiIndexHashingIndex(string version, SubstringLayout layout, int initialCapacity = 1024)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Version = IndexNames.ValidateVersion(version);
        Layout = layout;
        Bits = layout.Bits;
        var words = BinaryCode.WordCount(Bits);
        _items = new GuardedCodeStore(Bits, initialCapacity);
        _tables = new SubstringTable[layout.Count];
        for (var j = 0; j < layout.Count; j++)
        {
            _tables[j] = new SubstringTable(layout.Length(j), words);
        }
    }

    public MultiIndexHashingIndex(string version, IndexVersionOptions options)
        : this(version, (options ?? throw new ArgumentNullException(nameof(options))).Layout(),
            (int)Math.Clamp(options.ExpectedItems, 1024, 1 << 24))
    {
    }

    public string Version { get; }

    public int Bits { get; }

    public SubstringLayout Layout { get; }

    /// <summary>Approximate bytes of memory the index holds (item store and tables).</summary>
    public long EstimateBytes() => _items.Read(this, static (self, store) => store.EstimateBytes() + self._tables.Sum(t => t.EstimateBytes()));

    private DenseCodeStore Store => _items.Store;

    public ValueTask<UpsertOutcome> UpsertAsync(string id, BinaryCode code, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        IndexArguments.CheckCode(code, Bits, nameof(code));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_items.Write((self: this, id, code), static (s, _) => s.self.UpsertLocked(s.id, s.code.Words)));
    }

    public ValueTask<UpsertSummary> UpsertManyAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_items.UpsertMany(entries, UpsertLocked, cancellationToken));

    private UpsertOutcome UpsertLocked(string id, ReadOnlySpan<ulong> code)
    {
        if (Store.TryGetSlot(id, out var slot))
        {
            var old = Store.CodeAt(slot);
            if (old.SequenceEqual(code))
            {
                return UpsertOutcome.Unchanged;
            }

            for (var j = 0; j < _tables.Length; j++)
            {
                _tables[j].Remove(Layout.Extract(old, j), slot);
            }

            Store.Overwrite(slot, code);
            AddToTables(code, slot);
            return UpsertOutcome.Updated;
        }

        AddToTables(code, Store.Add(id, code));
        return UpsertOutcome.Inserted;
    }

    private void AddToTables(ReadOnlySpan<ulong> code, int slot)
    {
        for (var j = 0; j < _tables.Length; j++)
        {
            _tables[j].Add(Layout.Extract(code, j), code, slot);
        }
    }

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_items.Write((self: this, id), static (s, _) => s.self.DeleteLocked(s.id)));
    }

    private bool DeleteLocked(string id)
    {
        if (!Store.TryGetSlot(id, out var slot))
        {
            return false;
        }

        var code = Store.CodeAt(slot);
        for (var j = 0; j < _tables.Length; j++)
        {
            _tables[j].Remove(Layout.Extract(code, j), slot);
        }

        var moved = Store.RemoveAt(slot);
        if (moved >= 0)
        {
            // The last item now lives in the freed slot: its table entries must follow.
            var movedCode = Store.CodeAt(slot);
            for (var j = 0; j < _tables.Length; j++)
            {
                _tables[j].Relocate(Layout.Extract(movedCode, j), moved, slot);
            }
        }

        return true;
    }

    public ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken = default) => _items.GetCodeAsync(id, cancellationToken);

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _items.CountAsync(cancellationToken);

    public IAsyncEnumerable<string> EnumerateIdsAsync(CancellationToken cancellationToken = default) => _items.EnumerateIdsAsync(cancellationToken);

    public ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckK(k);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<Neighbor>>(_items.Read((self: this, query, k), static (s, _) => s.self.SearchNearestLocked(s.query.Words, s.k)));
    }

    private Neighbor[] SearchNearestLocked(ReadOnlySpan<ulong> query, int k)
    {
        var count = Store.Count;
        var collector = new NearestCollector(Math.Min(k, count), Store.Ids, Bits, offersRepeat: true);
        if (count == 0)
        {
            return [];
        }

        Span<uint> values = stackalloc uint[Layout.Count];
        Layout.ExtractAll(query, values);
        var budget = new ProbeBudget(count);
        for (var radius = 0; radius <= Layout.MaxLength; radius++)
        {
            for (var j = 0; j < _tables.Length; j++)
            {
                if (!budget.TrySpend(HammingBall.SphereSize(Layout.Length(j), radius)))
                {
                    return LinearNearest(query, collector);
                }

                var sink = new NearestCollector.Sink(collector);
                if (!budget.TryExamine(ProbeStep(j, values[j], radius, query, ref sink)))
                {
                    return LinearNearest(query, collector);
                }

                if (collector.IsFull && collector.Threshold <= Layout.ProvenDistance(radius, j))
                {
                    return collector.ToSortedArray();
                }
            }
        }

        // Every table was probed at its full length: every item has been seen.
        return collector.ToSortedArray();
    }

    private Neighbor[] LinearNearest(ReadOnlySpan<ulong> query, NearestCollector collector)
    {
        collector.Clear();
        var sink = new NearestCollector.Sink(collector);
        HammingScan.Scan(Store.Codes, Store.WordsPerCode, query, ref sink);
        return collector.ToSortedArray();
    }

    public ValueTask<IReadOnlyList<Neighbor>> SearchRadiusAsync(BinaryCode query, int radius, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckRadius(radius, Bits);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<Neighbor>>(_items.Read((self: this, query, radius), static (s, _) => s.self.SearchRadiusLocked(s.query.Words, s.radius)));
    }

    private Neighbor[] SearchRadiusLocked(ReadOnlySpan<ulong> query, int radius)
    {
        var count = Store.Count;
        if (count == 0)
        {
            return [];
        }

        Span<uint> values = stackalloc uint[Layout.Count];
        Layout.ExtractAll(query, values);
        var hits = new Dictionary<int, int>();
        var budget = new ProbeBudget(count);
        var complete = false;
        for (var r = 0; r <= Layout.MaxLength && !complete; r++)
        {
            for (var j = 0; j < _tables.Length; j++)
            {
                if (!budget.TrySpend(HammingBall.SphereSize(Layout.Length(j), r)))
                {
                    return LinearRadius(query, radius);
                }

                var sink = new RadiusHits(radius, hits);
                if (!budget.TryExamine(ProbeStep(j, values[j], r, query, ref sink)))
                {
                    return LinearRadius(query, radius);
                }

                if (Layout.ProvenDistance(r, j) >= radius)
                {
                    complete = true;
                    break;
                }
            }
        }

        return RadiusSink.ToSorted(Store, hits.Select(h => (h.Key, h.Value)));
    }

    private Neighbor[] LinearRadius(ReadOnlySpan<ulong> query, int radius) => RadiusSink.Scan(HammingScan.Best, Store, query, radius);

    /// <summary>A consistent copy of every (id, code) for a snapshot: ids by slot and their codes back to back.</summary>
    internal (string[] Ids, ulong[] Codes) CopyItems()
    {
        return _items.Read(0, static (_, store) => (store.SnapshotIds(), store.Codes.ToArray()));
    }

    public void Dispose() => _items.Dispose();

    /// <summary>Work a search may spend probing before a linear scan is cheaper.</summary>
    private struct ProbeBudget(int items)
    {
        private long _probes;
        private long _examined;

        public bool TrySpend(long probes)
        {
            _probes += probes;
            return _probes * ProbeCostInCodes <= Math.Max(items, 64);
        }

        public bool TryExamine(long examined)
        {
            _examined += examined;
            return _examined + _probes * ProbeCostInCodes <= Math.Max(items, 64);
        }
    }

    /// <summary>
    /// Probes every bucket of one (radius, table) step: first gathers the bucket arrays (independent loads
    /// the CPU overlaps), then scans them. Scanning bucket by bucket straight from the probe loop waited on
    /// each bucket's cache miss in turn and was about twice as slow on 1M codes.
    /// </summary>
    private long ProbeStep<TSink>(int table, uint value, int radius, ReadOnlySpan<ulong> query, ref TSink sink)
        where TSink : struct, IScanSink
    {
        var size = (int)HammingBall.SphereSize(Layout.Length(table), radius);
        var arrays = System.Buffers.ArrayPool<ulong[]>.Shared.Rent(size);
        var counts = System.Buffers.ArrayPool<int>.Shared.Rent(size);
        try
        {
            var gather = new BucketGather(_tables[table], value, arrays, counts);
            HammingBall.ForEachMask(Layout.Length(table), radius, ref gather);
            long examined = 0;
            var stride = _tables[table].Stride;
            var threshold = sink.Threshold;
            for (var b = 0; b < gather.Count; b++)
            {
                var entries = arrays[b].AsSpan(0, counts[b] * stride);
                examined += counts[b];
                if (stride == 2)
                {
                    var q = query[0];
                    for (var at = 0; at < entries.Length; at += 2)
                    {
                        var distance = BitOperations.PopCount(entries[at] ^ q);
                        if (distance <= threshold)
                        {
                            sink.Hit(distance, (int)entries[at + 1]);
                            threshold = sink.Threshold;
                        }
                    }

                    continue;
                }

                for (var at = 0; at < entries.Length; at += stride)
                {
                    var distance = 0;
                    for (var w = 0; w < query.Length; w++)
                    {
                        distance += BitOperations.PopCount(entries[at + w] ^ query[w]);
                    }

                    if (distance <= threshold)
                    {
                        sink.Hit(distance, (int)entries[at + stride - 1]);
                        threshold = sink.Threshold;
                    }
                }
            }

            return examined;
        }
        finally
        {
            Array.Clear(arrays, 0, size);
            System.Buffers.ArrayPool<ulong[]>.Shared.Return(arrays);
            System.Buffers.ArrayPool<int>.Shared.Return(counts);
        }
    }

    private struct BucketGather(SubstringTable table, uint value, ulong[][] arrays, int[] counts) : IMaskVisitor
    {
        public int Count { get; private set; }

        public void Visit(uint mask)
        {
            if (table.TryGetBucket(value ^ mask, out var entries, out var count))
            {
                arrays[Count] = entries;
                counts[Count] = count;
                Count++;
            }
        }
    }

    /// <summary>Collects every slot within a fixed radius once (an item may sit in several probed buckets).</summary>
    private readonly struct RadiusHits(int radius, Dictionary<int, int> hits) : IScanSink
    {
        public int Threshold => radius;

        public void Hit(int distance, int slot) => hits.TryAdd(slot, distance);
    }
}
