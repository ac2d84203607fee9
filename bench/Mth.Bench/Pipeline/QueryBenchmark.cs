using System.Diagnostics;
using Mth.Bench.Measurement;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Index.Redis;
using Mth.Index.Redis.Replication;
using StackExchange.Redis;

namespace Mth.Bench.Pipeline;

/// <summary>
/// Query latency with many concurrent clients over a large index: the query service over HTTP (one run per
/// search mode) next to the index searched directly in this process without HTTP (Redis MIH, and the
/// in-memory replica), on the same stored instances and the same Redis, in one command.
/// </summary>
internal sealed class QueryBenchmark(QueryBenchmarkOptions options)
{
    private const int LoadChunk = 50_000;

    public string Version => $"bench-{options.Bits}{(options.Clustered ? "c" : "u")}";

    public string Prefix => $"{options.Prefix}{(options.Clustered ? "c" : "u")}{options.Bits}";

    public static string InstanceUid(int i) => $"1.2.826.0.1.3680043.10.999.{i}";

    public async Task<QueryBenchmarkReport> RunAsync(CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var rows = new List<QueryMethodReport>();
        await using var connection = await ConnectAsync().ConfigureAwait(false);
        var catalog = new RedisIndexCatalog(connection, new RedisIndexOptions { KeyPrefix = Prefix });
        var index = (RedisHammingIndex)await catalog.CreateVersionAsync(Version, new IndexVersionOptions(options.Bits) { ExpectedItems = options.N }, cancellationToken).ConfigureAwait(false);
        try
        {
            var loadSeconds = await EnsureLoadedAsync(index, cancellationToken).ConfigureAwait(false);
            if (loadSeconds is { } seconds)
            {
                notes.Add($"loaded {options.N:N0} codes into Redis in {seconds:F1} s");
            }

            var active = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
            if (active != Version)
            {
                await catalog.TrySetActiveVersionAsync(active, Version, cancellationToken).ConfigureAwait(false);
            }

            // The stored instances queried, and their codes (read before timing: "similar to this instance").
            var random = new Random(options.Seed + 17);
            var total = options.Warmup + options.Queries;
            var ids = Enumerable.Range(0, total).Select(_ => InstanceUid(random.Next(options.N))).ToArray();
            var codes = new BinaryCode[total];
            await Parallel.ForAsync(0, total, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
                async (i, ct) => codes[i] = await index.GetCodeAsync(ids[i], ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"{ids[i]} is not stored.")).ConfigureAwait(false);

            // Reference 1: Redis MIH searched from this process, no HTTP.
            var answers = new IReadOnlyList<Neighbor>[total];
            var redis = await TimeAsync("redis-mih, in process", (i, ct) => Search(index.SearchNearestAsync(codes[i], options.K + 1, ct), answers, i), cancellationToken).ConfigureAwait(false);
            rows.Add(redis with { Exact = true, Note = $"{index.ShardCount} shard(s), {index.Layout}; the reference answers" });

            // Reference 2: the in-memory replica the query service builds in Replica mode, in this process.
            var clock = Stopwatch.StartNew();
            await using (var replica = await RedisIndexReplica.StartAsync(index, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                clock.Stop();
                var replicaAnswers = new IReadOnlyList<Neighbor>[total];
                var row = await TimeAsync("replica-mih, in process", (i, ct) => Search(replica.SearchNearestAsync(codes[i], options.K + 1, ct), replicaAnswers, i), cancellationToken).ConfigureAwait(false);
                var mismatches = Enumerable.Range(0, total).Count(i => !answers[i].SequenceEqual(replicaAnswers[i]));
                rows.Add(row with { Exact = mismatches == 0, Note = $"loaded in {clock.Elapsed.TotalSeconds:F1} s; {mismatches} answers differ from redis-mih" });
            }

            return new QueryBenchmarkReport(options.N, options.Bits, options.K, options.Clients, options.Queries, options.Clustered, Machine.Describe(), rows, notes);
        }
        finally
        {
            if (!options.Keep)
            {
                Console.Error.WriteLine($"removing the benchmark's keys (prefix {Prefix})…");
                await RedisKeys.DeleteAsync(connection, Prefix).ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask Search(ValueTask<IReadOnlyList<Neighbor>> search, IReadOnlyList<Neighbor>[] answers, int i) =>
        answers[i] = await search.ConfigureAwait(false);

    private async Task<QueryMethodReport> TimeAsync(string name, Func<int, CancellationToken, ValueTask> operation, CancellationToken cancellationToken)
    {
        // Warm-up: the first queries pay JIT and connection set-up.
        await ConcurrentLoad.RunAsync(name + " (warm-up)", options.Clients, options.Warmup, operation, cancellationToken).ConfigureAwait(false);
        var result = await ConcurrentLoad.RunAsync(name, options.Clients, options.Queries, (i, ct) => operation(options.Warmup + i, ct), cancellationToken).ConfigureAwait(false);
        return new QueryMethodReport(name, result.Latency.Percentile(50), result.Latency.Percentile(99), result.Latency.Mean, result.OperationsPerSecond,
            result.Failures, false, result.FirstFailure);
    }

    /// <summary>Loads the codes unless a kept earlier run left exactly these; returns the load time, or null when nothing was loaded.</summary>
    private async Task<double?> EnsureLoadedAsync(RedisHammingIndex index, CancellationToken cancellationToken)
    {
        if (await index.CountAsync(cancellationToken).ConfigureAwait(false) == options.N)
        {
            Console.Error.WriteLine($"reusing {options.N:N0} codes kept under prefix {Prefix}");
            return null;
        }

        var clock = Stopwatch.StartNew();
        var source = options.Clustered ? SyntheticCodes.Clustered(options.Bits, options.Seed) : SyntheticCodes.Uniform(options.Bits, options.Seed);
        var progress = new Progress("loading codes", options.N);
        var entries = new List<IndexEntry>(LoadChunk);
        for (var start = 0; start < options.N; start += LoadChunk)
        {
            entries.Clear();
            var end = Math.Min(options.N, start + LoadChunk);
            for (var i = start; i < end; i++)
            {
                entries.Add(new IndexEntry(InstanceUid(i), source.Next()));
            }

            await index.UpsertManyAsync(entries, cancellationToken).ConfigureAwait(false);
            progress.Report(end);
        }

        return clock.Elapsed.TotalSeconds;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var configuration = new ConfigurationOptions { AbortOnConnectFail = true, AllowAdmin = true, ConnectTimeout = 5000, SyncTimeout = 60_000, AsyncTimeout = 60_000 };
        foreach (var endPoint in options.Redis)
        {
            configuration.EndPoints.Add(endPoint);
        }

        return await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
    }
}
