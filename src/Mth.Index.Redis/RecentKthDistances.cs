namespace Mth.Index.Redis;

/// <summary>
/// The k-th distances that an index's latest top-k searches ended with (the last <see cref="Capacity"/>, any k).
/// A search plans its first round trip to reach the distance that nine in ten recent searches with the same k
/// needed at least: on spread codes that saves the radius-0 round trip, on clustered codes (neighbours at
/// radius 0) it keeps it. Only planning depends on it, never the answer. Thread-safe: lost updates under a
/// race only drop a sample.
/// </summary>
internal sealed class RecentKthDistances
{
    public const int Capacity = 64;

    /// <summary>Samples with the same k needed before the history is used.</summary>
    public const int MinSamples = 8;

    // (k << 32) | (distance + 1); 0 marks an empty slot.
    private readonly long[] _samples = new long[Capacity];
    private int _next;

    public void Add(int k, int distance)
    {
        var slot = (Interlocked.Increment(ref _next) - 1) & (Capacity - 1);
        Volatile.Write(ref _samples[slot], ((long)k << 32) | (uint)(distance + 1));
    }

    /// <summary>The 10th percentile of the recent k-th distances for this k; null with fewer than <see cref="MinSamples"/>.</summary>
    public int? LowDecile(int k)
    {
        Span<int> distances = stackalloc int[Capacity];
        var count = 0;
        for (var i = 0; i < Capacity; i++)
        {
            var sample = Volatile.Read(ref _samples[i]);
            if (sample != 0 && (int)(sample >> 32) == k)
            {
                distances[count++] = (int)(uint)sample - 1;
            }
        }

        if (count < MinSamples)
        {
            return null;
        }

        distances[..count].Sort();
        return distances[count / 10];
    }
}
