using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Mth.Bench.Measurement;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Encoding.Manifest;
using Mth.Index.Redis;
using Mth.Index.Redis.Replication;
using Mth.Testing.Models;
using StackExchange.Redis;

namespace Mth.Bench.Pipeline;

/// <summary>
/// Query latency with many concurrent clients over a large index: the query service over HTTP (one process per
/// search mode, "similar to this stored instance"), next to the index searched directly in this process without
/// HTTP (Redis MIH, and the in-memory replica), on the same stored instances and the same Redis, in one command.
/// Every answer is checked against the in-process Redis MIH's.
/// </summary>
internal sealed class QueryBenchmark(QueryBenchmarkOptions options)
{
    private const int LoadChunk = 50_000;
    private const int RecordChunk = 10_000;
    private const int InstancesPerStudy = 100;
    private const int InstancesPerSeries = 20;

    public string Version => $"bench-{options.Bits}{(options.Clustered ? "c" : "u")}";

    public string Prefix => $"{options.Prefix}{(options.Clustered ? "c" : "u")}{options.Bits}";

    public static string InstanceUid(int i) => $"1.2.826.0.1.3680043.10.999.{i}";

    public async Task<QueryBenchmarkReport> RunAsync(CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var rows = new List<QueryMethodReport>();
        var work = Directory.CreateTempSubdirectory("mth-bench-pipeline-query-").FullName;
        await using var connection = await ConnectAsync().ConfigureAwait(false);
        var catalog = new RedisIndexCatalog(connection, new RedisIndexOptions { KeyPrefix = Prefix });
        var instances = new RedisInstanceCatalog(connection, Prefix);
        var index = (RedisHammingIndex)await catalog.CreateVersionAsync(Version, new IndexVersionOptions(options.Bits) { ExpectedItems = options.N }, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureLoadedAsync(index, instances, notes, cancellationToken).ConfigureAwait(false);
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

            // Reference 1: Redis MIH searched from this process, no HTTP. Its answers are the reference for every other row.
            var answers = new IReadOnlyList<Neighbor>[total];
            var redis = await TimeAsync("redis-mih, in process", (i, ct) => Search(index.SearchNearestAsync(codes[i], options.K + 1, ct), answers, i), cancellationToken).ConfigureAwait(false);
            rows.Add(redis with { Exact = true, Note = $"{index.ShardCount} shard(s), {index.Layout}; the reference answers" });
            var expected = Enumerable.Range(0, total).Select(i => answers[i].Where(n => n.Id != ids[i]).Take(options.K).ToArray()).ToArray();

            // Reference 2: the in-memory replica the query service builds in Replica mode, here in this process.
            var clock = Stopwatch.StartNew();
            await using (var replica = await RedisIndexReplica.StartAsync(index, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                clock.Stop();
                var replicaAnswers = new IReadOnlyList<Neighbor>[total];
                var row = await TimeAsync("replica-mih, in process", (i, ct) => Search(replica.SearchNearestAsync(codes[i], options.K + 1, ct), replicaAnswers, i), cancellationToken).ConfigureAwait(false);
                var mismatches = Enumerable.Range(0, total).Count(i => !answers[i].SequenceEqual(replicaAnswers[i]));
                rows.Add(row with { Exact = mismatches == 0, Note = $"loaded in {clock.Elapsed.TotalSeconds:F1} s; {mismatches} answers differ" });
                var lag = await MeasureReplicaLagAsync(index, replica, cancellationToken).ConfigureAwait(false);
                notes.Add($"replica lag (write acknowledged by Redis -> in the replica, {lag.Count} writes, default 20 ms poll interval): p50 {lag.Percentile(50):F1} ms, p99 {lag.Percentile(99):F1} ms, max {lag.Percentile(100):F1} ms");
            }

            GC.Collect();
            if (options.Modes.Count > 0)
            {
                var registry = Path.Combine(work, "registry");
                await PublishModelAsync(registry, cancellationToken).ConfigureAwait(false);
                foreach (var mode in options.Modes)
                {
                    rows.Add(await TimeHttpAsync(mode, registry, work, ids, expected, cancellationToken).ConfigureAwait(false));
                }
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

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The query service as a process in one search mode, 32 clients asking "similar to this stored instance" over HTTP.</summary>
    private async Task<QueryMethodReport> TimeHttpAsync(string mode, string registry, string work, string[] ids, Neighbor[][] expected, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var baseAddress = $"http://127.0.0.1:{options.Port}";
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = baseAddress,
            ["Index__Provider"] = "Redis",
            ["Index__Redis__Configuration"] = string.Join(',', options.Redis),
            ["Index__Redis__KeyPrefix"] = Prefix,
            ["Models__Registry"] = registry,
            ["Query__ApiKeys__0"] = key,
            ["Query__Search"] = mode,
            ["Query__ExecutionProvider"] = "Cpu",
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        Console.Error.WriteLine($"starting the query service (Query:Search={mode})…");
        var clock = Stopwatch.StartNew();
        await using var service = ServiceProcess.Start("Mth.Query", environment, work);
        await service.WaitReadyAsync($"{baseAddress}/health/ready", TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        var ready = clock.Elapsed.TotalSeconds;

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients * 2, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(baseAddress),
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var mismatches = 0;
        var cpu = new CpuMeter(service);
        var row = await TimeAsync($"http, Query:Search={mode}", cpu, async (i, ct) =>
        {
            using var response = await client.GetAsync($"/v1/instances/{ids[i]}/similar?k={options.K.ToString(CultureInfo.InvariantCulture)}", ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
            }

            if (!SameResults(body, expected[i]))
            {
                Interlocked.Increment(ref mismatches);
            }
        }, cancellationToken).ConfigureAwait(false);
        return row with { Exact = mismatches == 0, Note = $"ready {ready:F1} s after start; {mismatches} answers differ; CPU per query: service {cpu.ServiceMs / options.Queries:F2} ms, this client {cpu.ClientMs / options.Queries:F2} ms" };
    }

    /// <summary>
    /// How long a write takes to reach the replica: one new item at a time, from the moment Redis acknowledged it
    /// until the replica holds it (checked every 0.2 ms), at random phases of the poll cycle. The items are removed afterwards.
    /// </summary>
    private static async Task<LatencySample> MeasureReplicaLagAsync(RedisHammingIndex index, RedisIndexReplica replica, CancellationToken cancellationToken)
    {
        const int Writes = 200;
        var lag = new LatencySample(Writes);
        var random = new Random(5);
        var codes = SyntheticCodes.Uniform(index.Bits, 77).Take(Writes);
        var progress = new Progress("replica lag", Writes);
        for (var i = 0; i < Writes; i++)
        {
            var id = $"1.2.826.0.1.3680043.10.996.{i}";
            await index.UpsertAsync(id, codes[i], cancellationToken).ConfigureAwait(false);
            var written = Stopwatch.GetTimestamp();
            var deadline = written + Stopwatch.Frequency * 10;
            while (await replica.GetCodeAsync(id, cancellationToken).ConfigureAwait(false) is null)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"The replica did not receive {id} within 10 s.");
                }

                Thread.SpinWait(2000);
                await Task.Yield();
            }

            lag.Add(written, Stopwatch.GetTimestamp());
            progress.Report(i + 1);
            await Task.Delay(random.Next(5, 45), cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < Writes; i++)
        {
            await index.DeleteAsync($"1.2.826.0.1.3680043.10.996.{i}", cancellationToken).ConfigureAwait(false);
        }

        return lag;
    }

    private static bool SameResults(byte[] body, Neighbor[] expected)
    {
        using var document = JsonDocument.Parse(body);
        var results = document.RootElement.GetProperty("results");
        if (results.GetArrayLength() != expected.Length)
        {
            return false;
        }

        var i = 0;
        foreach (var result in results.EnumerateArray())
        {
            if (result.GetProperty("sopInstanceUid").GetString() != expected[i].Id || result.GetProperty("distance").GetInt32() != expected[i].Distance
                || result.GetProperty("studyInstanceUid").GetString() is null)
            {
                return false;
            }

            i++;
        }

        return true;
    }

    private static async ValueTask Search(ValueTask<IReadOnlyList<Neighbor>> search, IReadOnlyList<Neighbor>[] answers, int i) =>
        answers[i] = await search.ConfigureAwait(false);

    private Task<QueryMethodReport> TimeAsync(string name, Func<int, CancellationToken, ValueTask> operation, CancellationToken cancellationToken) =>
        TimeAsync(name, new CpuMeter(null), operation, cancellationToken);

    private async Task<QueryMethodReport> TimeAsync(string name, CpuMeter cpu, Func<int, CancellationToken, ValueTask> operation, CancellationToken cancellationToken)
    {
        // Warm-up: the first queries pay JIT and connection set-up.
        await ConcurrentLoad.RunAsync(name + " (warm-up)", options.Clients, options.Warmup, operation, cancellationToken).ConfigureAwait(false);
        var load = Machine.LoadAverage();
        cpu.Start();
        var result = await ConcurrentLoad.RunAsync(name, options.Clients, options.Queries, (i, ct) => operation(options.Warmup + i, ct), cancellationToken).ConfigureAwait(false);
        cpu.Stop();
        return new QueryMethodReport(name, result.Latency.Percentile(50), result.Latency.Percentile(99), result.Latency.Mean, result.OperationsPerSecond,
            result.Failures, false, null, load.TrimStart(',', ' '), result.FirstFailure);
    }

    /// <summary>A tiny real model named like the version: the query service loads the active version's model before it serves.</summary>
    private async Task PublishModelAsync(string registry, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(Path.GetDirectoryName(registry)!, "model");
        var package = await new TinyOnnxModel(16, options.Bits, options.Seed).CreatePackageAsync(staging, Version, cancellationToken: cancellationToken).ConfigureAwait(false);
        await new ModelRegistry(registry).PublishAsync(package, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads codes and instance records unless a kept earlier run left exactly these.</summary>
    private async Task EnsureLoadedAsync(RedisHammingIndex index, RedisInstanceCatalog instances, List<string> notes, CancellationToken cancellationToken)
    {
        if (await index.CountAsync(cancellationToken).ConfigureAwait(false) == options.N)
        {
            Console.Error.WriteLine($"reusing {options.N:N0} codes kept under prefix {Prefix}");
        }
        else
        {
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

            notes.Add($"loaded {options.N:N0} codes into Redis in {clock.Elapsed.TotalSeconds:F1} s");
        }

        if (await instances.CountAsync(cancellationToken).ConfigureAwait(false) != options.N)
        {
            var clock = Stopwatch.StartNew();
            var progress = new Progress("loading instance records", options.N);
            for (var start = 0; start < options.N; start += RecordChunk)
            {
                var end = Math.Min(options.N, start + RecordChunk);
                var records = Enumerable.Range(start, end - start).Select(Record).ToList();
                await instances.PutManyAsync(records, cancellationToken).ConfigureAwait(false);
                progress.Report(end);
            }

            notes.Add($"loaded {options.N:N0} instance records in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    private static InstanceRecord Record(int i)
    {
        var study = $"1.2.826.0.1.3680043.10.998.{i / InstancesPerStudy}";
        var series = $"1.2.826.0.1.3680043.10.997.{i / InstancesPerSeries}";
        var sop = InstanceUid(i);
        return new InstanceRecord
        {
            SopInstanceUid = sop,
            StudyInstanceUid = study,
            SeriesInstanceUid = series,
            SopClassUid = "1.2.840.10008.5.1.4.1.1.4",
            Modality = "MR",
            StorageKey = $"{study}/{series}/{sop}.dcm",
        };
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

    /// <summary>CPU time used during the timed run by the service process and by this process (the clients).</summary>
    private sealed class CpuMeter(ServiceProcess? service)
    {
        private TimeSpan _service;
        private TimeSpan _client;

        public double ServiceMs => _service.TotalMilliseconds;

        public double ClientMs => _client.TotalMilliseconds;

        public void Start()
        {
            _service = -(service?.TotalProcessorTime ?? TimeSpan.Zero);
            _client = -Process.GetCurrentProcess().TotalProcessorTime;
        }

        public void Stop()
        {
            _service += service?.TotalProcessorTime ?? TimeSpan.Zero;
            _client += Process.GetCurrentProcess().TotalProcessorTime;
        }
    }
}
