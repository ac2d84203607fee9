using System.Diagnostics;

namespace Mth.Index.Redis;

/// <summary>
/// Where the time of Redis searches goes, summed over the searches of one <see cref="RedisHammingIndex"/> when
/// <see cref="RedisIndexOptions.CollectSearchStatistics"/> is on (benchmarks; off in services). Thread-safe.
/// </summary>
public sealed class RedisSearchStatistics
{
    private long _searches;
    private long _roundTrips;
    private long _keys;
    private long _bytes;
    private long _shardReads;
    private long _directShardReads;
    private long _planTicks;
    private long _waitTicks;
    private long _scanTicks;
    private long _resolveTicks;

    internal void AddRound(long keys, long bytes, int shardReads, int directShardReads, long planTicks, long waitTicks, long scanTicks)
    {
        Interlocked.Add(ref _shardReads, shardReads);
        Interlocked.Add(ref _directShardReads, directShardReads);
        Interlocked.Increment(ref _roundTrips);
        Interlocked.Add(ref _keys, keys);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _planTicks, planTicks);
        Interlocked.Add(ref _waitTicks, waitTicks);
        Interlocked.Add(ref _scanTicks, scanTicks);
    }

    internal void AddSearch(long resolveTicks)
    {
        Interlocked.Increment(ref _searches);
        Interlocked.Add(ref _resolveTicks, resolveTicks);
    }

    /// <summary>Per-search averages since the index was opened (or since <see cref="Reset"/>).</summary>
    public RedisSearchProfile Profile()
    {
        var searches = Math.Max(1, Interlocked.Read(ref _searches));
        double PerSearch(ref long value) => (double)Interlocked.Read(ref value) / searches;
        double Milliseconds(ref long ticks) => PerSearch(ref ticks) * 1000.0 / Stopwatch.Frequency;
        return new RedisSearchProfile(Interlocked.Read(ref _searches), PerSearch(ref _roundTrips), PerSearch(ref _keys), PerSearch(ref _bytes),
            Milliseconds(ref _planTicks), Milliseconds(ref _waitTicks), Milliseconds(ref _scanTicks), Milliseconds(ref _resolveTicks),
            (double)Interlocked.Read(ref _directShardReads) / Math.Max(1, Interlocked.Read(ref _shardReads)));
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _searches, 0);
        Interlocked.Exchange(ref _roundTrips, 0);
        Interlocked.Exchange(ref _keys, 0);
        Interlocked.Exchange(ref _bytes, 0);
        Interlocked.Exchange(ref _shardReads, 0);
        Interlocked.Exchange(ref _directShardReads, 0);
        Interlocked.Exchange(ref _planTicks, 0);
        Interlocked.Exchange(ref _waitTicks, 0);
        Interlocked.Exchange(ref _scanTicks, 0);
        Interlocked.Exchange(ref _resolveTicks, 0);
    }
}

/// <summary>
/// Per-search averages: MGET round trips (the id lookup not counted), bucket keys and reply bytes (all shards),
/// and milliseconds spent naming keys (plan), waiting for the MGET replies (wait: server, transfer and parsing),
/// computing distances (scan), and turning the winners into ids (resolve: one HMGET round trip); and the share of
/// shard reads that went over the search's own connections (<see cref="RedisIndexOptions.DirectBucketReads"/>)
/// rather than through StackExchange.Redis.
/// </summary>
public sealed record RedisSearchProfile(long Searches, double RoundTrips, double Keys, double Bytes, double PlanMs, double WaitMs, double ScanMs, double ResolveMs, double DirectShare)
{
    public override string ToString() =>
        $"{RoundTrips:F2} round trips, {Keys:F0} keys, {Bytes / 1e6:F2} MB per search; plan {PlanMs:F3} ms, wait {WaitMs:F3} ms, scan {ScanMs:F3} ms, resolve {ResolveMs:F3} ms; {DirectShare:P0} of shard reads direct";
}
