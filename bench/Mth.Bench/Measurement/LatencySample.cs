using System.Diagnostics;

namespace Mth.Bench.Measurement;

/// <summary>Per-operation latencies of one method, one operation at a time, with their percentiles.</summary>
internal sealed class LatencySample(int capacity)
{
    private readonly List<double> _milliseconds = new(capacity);

    public int Count => _milliseconds.Count;

    public void AddMilliseconds(double milliseconds) => _milliseconds.Add(milliseconds);

    /// <summary>Adds every latency of another sample (per-worker samples merged after a concurrent run).</summary>
    public void AddAll(LatencySample other) => _milliseconds.AddRange(other._milliseconds);

    public void Add(long startTimestamp, long endTimestamp) =>
        _milliseconds.Add((endTimestamp - startTimestamp) * 1000.0 / Stopwatch.Frequency);

    /// <summary>The nearest-rank percentile (p in 0..100) in milliseconds.</summary>
    public double Percentile(double p)
    {
        if (_milliseconds.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _milliseconds.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Mean => _milliseconds.Count == 0 ? double.NaN : _milliseconds.Average();
}
