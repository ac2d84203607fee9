using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Mth.Bench.Measurement;
using Mth.Core.Codes;
using Mth.Core.Hamming;
using Mth.Core.Indexing;
using Mth.Core.Indexing.Linear;
using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Bench.Index;

/// <summary>
/// Times exact k-NN one query at a time on one thread: linear scan (the reference every other answer is
/// checked against), in-memory MIH, MIH on Redis when endpoints are given, and Faiss IndexBinaryFlat on
/// the same rows where Python has faiss.
/// </summary>
internal sealed class IndexBenchmark(IndexBenchmarkOptions options)
{
    /// <summary>Fewest warm-up queries, however soon the JIT settles.</summary>
    internal const int MinWarmupQueries = 20;

    /// <summary>
    /// Warm-up ends once the JIT has compiled nothing for this long: .NET first runs methods unoptimised and
    /// recompiles the hot ones (tier 1, with profile-guided optimisation) on a background thread after a delay.
    /// Timed before that settles, the first few hundred queries run slower code and set the p99 (measured: the
    /// linear scan's p99 2.7 ms against 0.72 ms once settled, on 1M x 64 bits).
    /// </summary>
    private static readonly TimeSpan JitQuietPeriod = TimeSpan.FromMilliseconds(750);

    /// <summary>Longest warm-up, for an index whose searches keep compiling something.</summary>
    private static readonly TimeSpan MaxWarmup = TimeSpan.FromSeconds(20);
    private const int LoadChunk = 50_000;
    private const int NaiveChecks = 10;

    public static void Validate(IndexBenchmarkOptions options)
    {
        if (options.N < 1)
        {
            throw new ArgumentException("--n must be at least 1.");
        }

        if (!BinaryCode.IsValidLength(options.Bits))
        {
            throw new ArgumentException($"--bits must be a multiple of 8 from {BinaryCode.MinBits} to {BinaryCode.MaxBits}.");
        }

        if (options.K < 1 || options.Queries < 1)
        {
            throw new ArgumentException("--k and --queries must be at least 1.");
        }
    }

    public async Task<IndexBenchmarkReport> RunAsync(CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"generating {options.N:N0} {(options.Clustered ? "clustered" : "uniform")} codes of {options.Bits} bits…");
        var data = BenchmarkData.Generate(options);
        Console.Error.WriteLine($"generated in {clock.Elapsed.TotalSeconds:F1} s");

        var faiss = new FaissReference(options);
        string? dumpDirectory = options.DumpDirectory;
        string? temporaryDump = null;
        if (dumpDirectory is null && !options.NoFaiss && faiss.IsAvailable(out _))
        {
            temporaryDump = dumpDirectory = Path.Combine(Path.GetTempPath(), $"mth-bench-index-{Environment.ProcessId}");
        }

        if (dumpDirectory is not null)
        {
            data.Dump(dumpDirectory);
            Console.Error.WriteLine($"wrote {Path.Combine(dumpDirectory, "db.bin")} and queries.bin");
        }

        var methods = new List<MethodReport>();
        var ratios = new Dictionary<string, double>();

        // Linear scan: the reference. Its own answers are checked against a naive sort on a sample.
        var linear = await MeasureAsync("linear", () => new LinearScanIndex("bench", options.Bits, options.N), data, null, cancellationToken).ConfigureAwait(false);
        var naiveMismatches = CheckAgainstNaive(data, linear.Results, Math.Min(options.Queries, NaiveChecks));
        methods.Add(linear.Report with { Exact = naiveMismatches == 0, Note = $"checked against a naive sort on {Math.Min(options.Queries, NaiveChecks)} queries" });

        var layout = options.Substrings is { } m ? SubstringLayout.Create(options.Bits, m) : SubstringLayout.ForDatabase(options.Bits, options.N);
        var mih = await MeasureAsync("mih", () => new MultiIndexHashingIndex("bench", layout, options.N), data, linear.Results, cancellationToken).ConfigureAwait(false);
        methods.Add(mih.Report with { Note = layout.ToString() });

        if (options.Redis.Count > 0)
        {
            var redis = await RedisMethod.MeasureAsync(this, options, data, linear.Results, notes, cancellationToken).ConfigureAwait(false);
            if (redis is not null)
            {
                methods.Add(redis);
            }
        }

        if (!options.NoFaiss)
        {
            if (dumpDirectory is not null && faiss.IsAvailable(out var why))
            {
                var reference = await faiss.RunAsync(dumpDirectory, linear.Results, cancellationToken).ConfigureAwait(false);
                methods.Add(reference);
                ratios["linear_p50_over_faiss_p50"] = linear.Report.P50Ms / reference.P50Ms;
                ratios["faiss_p50_over_mih_p50"] = reference.P50Ms / mih.Report.P50Ms;
            }
            else
            {
                faiss.IsAvailable(out why);
                notes.Add($"Faiss reference skipped: {why}");
            }
        }

        if (temporaryDump is not null)
        {
            Directory.Delete(temporaryDump, recursive: true);
        }

        return new IndexBenchmarkReport(options.N, options.Bits, options.K, options.Queries, options.Clustered, options.Seed,
            Machine.Describe(), methods, ratios, notes);
    }

    private async Task<(MethodReport Report, Neighbor[][] Results)> MeasureAsync(
        string name, Func<IHammingIndex> create, BenchmarkData data, Neighbor[][]? reference, CancellationToken cancellationToken)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var build = Stopwatch.StartNew();
        var index = create();
        await LoadAsync(name, index, data, cancellationToken).ConfigureAwait(false);
        build.Stop();
        var bytes = GC.GetTotalMemory(forceFullCollection: true) - before;

        var (latency, results) = await TimeQueriesAsync(name, index, data, cancellationToken).ConfigureAwait(false);
        var exact = reference is null || CountMismatches(reference, results) == 0;
        (index as IDisposable)?.Dispose();
        var report = new MethodReport(name, latency.Percentile(50), latency.Percentile(99), latency.Mean,
            build.Elapsed.TotalSeconds, (double)bytes / options.N, exact);
        return (report, results);
    }

    /// <summary>Loads every database code (fresh id strings per index, so its memory figure includes them).</summary>
    public static async Task LoadAsync(string name, IHammingIndex index, BenchmarkData data, CancellationToken cancellationToken)
    {
        var progress = new Progress($"{name}: loading", data.Count);
        var entries = new List<IndexEntry>(LoadChunk);
        for (var start = 0; start < data.Count; start += LoadChunk)
        {
            entries.Clear();
            var end = Math.Min(data.Count, start + LoadChunk);
            for (var i = start; i < end; i++)
            {
                entries.Add(new IndexEntry(BenchmarkData.ItemId(i), data.DatabaseCode(i)));
            }

            var summary = await index.UpsertManyAsync(entries, cancellationToken).ConfigureAwait(false);
            if (summary.Inserted != entries.Count)
            {
                throw new InvalidOperationException($"{name}: {summary.Inserted} of {entries.Count} codes were inserted.");
            }

            progress.Report(end);
        }
    }

    /// <param name="warmedUp">Called between the warm-up and the timed queries (to start counters there).</param>
    public async Task<(LatencySample Latency, Neighbor[][] Results)> TimeQueriesAsync(
        string name, IHammingIndex index, BenchmarkData data, CancellationToken cancellationToken, Action? warmedUp = null)
    {
        var queries = Enumerable.Range(0, data.QueryCount).Select(data.Query).ToArray();
        await WarmUpAsync(name, index, data, cancellationToken).ConfigureAwait(false);
        warmedUp?.Invoke();

        var latency = new LatencySample(queries.Length);
        var results = new Neighbor[queries.Length][];
        var progress = new Progress($"{name}: querying", queries.Length);
        for (var i = 0; i < queries.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var answer = await index.SearchNearestAsync(queries[i], options.K, cancellationToken).ConfigureAwait(false);
            latency.Add(start, Stopwatch.GetTimestamp());
            results[i] = [.. answer];
            progress.Report(i + 1);
        }

        return (latency, results);
    }

    /// <summary>
    /// Searches with the warm-up queries until the JIT has been quiet for <see cref="JitQuietPeriod"/> (at least
    /// <see cref="MinWarmupQueries"/>, at most <see cref="MaxWarmup"/>): the timed queries then measure the code a
    /// long-running service runs, as BenchmarkDotNet's warm-up stage does.
    /// </summary>
    private async Task WarmUpAsync(string name, IHammingIndex index, BenchmarkData data, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var compiled = JitInfo.GetCompiledMethodCount();
        var quietSince = TimeSpan.Zero;
        var count = 0;
        while (count < MinWarmupQueries || (clock.Elapsed - quietSince < JitQuietPeriod && clock.Elapsed < MaxWarmup))
        {
            await index.SearchNearestAsync(data.WarmupQuery(count++), options.K, cancellationToken).ConfigureAwait(false);
            var now = JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                quietSince = clock.Elapsed;
            }
        }

        var settled = clock.Elapsed - quietSince >= JitQuietPeriod;
        Console.Error.WriteLine($"{name}: warm-up {count:N0} queries in {clock.Elapsed.TotalSeconds:F1} s ({(settled ? "JIT settled" : "JIT still compiling at the time limit")})");
    }

    public static int CountMismatches(Neighbor[][] reference, Neighbor[][] results)
    {
        var mismatches = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            if (!reference[i].AsSpan().SequenceEqual(results[i]))
            {
                mismatches++;
            }
        }

        return mismatches;
    }

    /// <summary>
    /// Brute force without any index code: every distance, a histogram for the k-th distance, then a plain
    /// sort of the items up to it by (distance, id). Slow, but obviously right.
    /// </summary>
    private int CheckAgainstNaive(BenchmarkData data, Neighbor[][] results, int queries)
    {
        var mismatches = 0;
        var distances = new int[data.Count];
        for (var q = 0; q < queries; q++)
        {
            var query = data.Queries.AsSpan(q * data.WordsPerCode, data.WordsPerCode);
            var histogram = new int[data.Bits + 1];
            for (var i = 0; i < data.Count; i++)
            {
                distances[i] = HammingDistance.Compute(query, data.Database.AsSpan(i * data.WordsPerCode, data.WordsPerCode));
                histogram[distances[i]]++;
            }

            var kth = 0;
            for (var seen = histogram[0]; seen < Math.Min(options.K, data.Count); seen += histogram[++kth])
            {
            }

            var candidates = new List<Neighbor>();
            for (var i = 0; i < data.Count; i++)
            {
                if (distances[i] <= kth)
                {
                    candidates.Add(new Neighbor(BenchmarkData.ItemId(i), distances[i]));
                }
            }

            candidates.Sort(NeighborOrder.Instance);
            if (!candidates.Take(options.K).SequenceEqual(results[q]))
            {
                mismatches++;
            }
        }

        return mismatches;
    }
}
