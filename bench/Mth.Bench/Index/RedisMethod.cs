using System.Diagnostics;
using Mth.Core.Indexing;
using Mth.Index.Redis;
using StackExchange.Redis;

namespace Mth.Bench.Index;

/// <summary>
/// MIH on Redis: loads the database into a fresh version under a unique key prefix (so it never touches
/// other data), reports load time and memory per item (INFO used_memory before and after, summed over
/// primaries), times the queries, and drops the version afterwards.
/// </summary>
internal static class RedisMethod
{
    public static async Task<MethodReport?> MeasureAsync(IndexBenchmark benchmark, IndexBenchmarkOptions options, BenchmarkData data, Neighbor[][] reference, List<string> notes, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationOptions { AbortOnConnectFail = true, AllowAdmin = true, ConnectTimeout = 5000, SyncTimeout = 60_000, AsyncTimeout = 60_000 };
        foreach (var endPoint in options.Redis)
        {
            configuration.EndPoints.Add(endPoint);
        }

        ConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            notes.Add($"redis-mih skipped: cannot connect to {string.Join(',', options.Redis)} ({e.Message})");
            return null;
        }

        await using (connection.ConfigureAwait(false))
        {
            using var catalog = new RedisIndexCatalog(connection, new RedisIndexOptions
            {
                KeyPrefix = $"mthbench{Environment.ProcessId}",
                CollectSearchStatistics = true,
                DirectBucketReads = !options.RedisClientReads,
                DirectReadBlockingWaitMicroseconds = options.RedisBlockingWaitMicroseconds,
            });
            var before = await UsedMemoryAsync(connection).ConfigureAwait(false);
            var load = Stopwatch.StartNew();
            var index = (RedisHammingIndex)await catalog.CreateVersionAsync("bench", new IndexVersionOptions(options.Bits)
            {
                ExpectedItems = options.N,
                SubstringCount = options.Substrings,
            }, cancellationToken).ConfigureAwait(false);
            try
            {
                await IndexBenchmark.LoadAsync("redis-mih", index, data, cancellationToken).ConfigureAwait(false);
                load.Stop();
                var bytes = await UsedMemoryAsync(connection).ConfigureAwait(false) - before;
                // Collections during the timed searches: each one stalls the search it falls in (docs/benchmarks.md).
                int[] collections = [];
                long allocated = 0;
                var (latency, results) = await benchmark.TimeQueriesAsync("redis-mih", index, data, cancellationToken, warmedUp: () =>
                {
                    index.Statistics!.Reset();
                    collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
                    allocated = GC.GetTotalAllocatedBytes();
                }).ConfigureAwait(false);
                allocated = GC.GetTotalAllocatedBytes() - allocated;
                var exact = IndexBenchmark.CountMismatches(reference, results) == 0;
                notes.Add($"redis-mih per query: {index.Statistics!.Profile()}");
                notes.Add($"redis-mih timed searches: {allocated / (double)data.QueryCount / 1e3:F1} kB allocated per search; " +
                    $"GC collections gen0/1/2 {GC.CollectionCount(0) - collections[0]}/{GC.CollectionCount(1) - collections[1]}/{GC.CollectionCount(2) - collections[2]}");
                return new MethodReport("redis-mih", latency.Percentile(50), latency.Percentile(99), latency.Mean, load.Elapsed.TotalSeconds,
                    (double)bytes / options.N, exact, $"{index.ShardCount} shard(s), {index.Layout}, {connection.GetServers().Count(s => !s.IsReplica)} primary(ies)");
            }
            finally
            {
                Console.Error.WriteLine("redis-mih: dropping the benchmark version…");
                await catalog.DropVersionAsync("bench", CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>INFO memory used_memory summed over the primaries (needs an admin connection).</summary>
    private static async Task<long> UsedMemoryAsync(IConnectionMultiplexer connection)
    {
        long total = 0;
        foreach (var server in connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var info = await server.InfoAsync("memory").ConfigureAwait(false);
            total += long.Parse(info.SelectMany(g => g).First(p => p.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return total;
    }
}
