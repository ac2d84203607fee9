using Mth.Core.Hamming;

namespace Mth.Core.Indexing.InMemory;

/// <summary>Collects every (slot, distance) within a fixed radius during a scan.</summary>
internal readonly struct RadiusSink(int radius, List<(int Slot, int Distance)> hits) : IScanSink
{
    public int Threshold => radius;

    public void Hit(int distance, int slot) => hits.Add((slot, distance));
}
