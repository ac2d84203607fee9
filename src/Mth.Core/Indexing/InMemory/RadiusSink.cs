using Mth.Core.Hamming;

namespace Mth.Core.Indexing.InMemory;

/// <summary>Collects every (slot, distance) within a fixed radius during a scan.</summary>
internal readonly struct RadiusSink(int radius, List<(int Slot, int Distance)> hits) : IScanSink
{
    public int Threshold => radius;

    public void Hit(int distance, int slot) => hits.Add((slot, distance));

    /// <summary>A linear radius search over the whole store, in result order.</summary>
    public static Neighbor[] Scan(ScanKernel kernel, DenseCodeStore store, ReadOnlySpan<ulong> query, int radius)
    {
        var hits = new List<(int Slot, int Distance)>();
        var sink = new RadiusSink(radius, hits);
        HammingScan.Scan(kernel, store.Codes, store.WordsPerCode, query, ref sink);
        return ToSorted(store, hits);
    }

    public static Neighbor[] ToSorted(DenseCodeStore store, IEnumerable<(int Slot, int Distance)> hits)
    {
        var result = hits.Select(h => new Neighbor(store.IdAt(h.Slot), h.Distance)).ToArray();
        Array.Sort(result, NeighborOrder.Instance);
        return result;
    }
}
