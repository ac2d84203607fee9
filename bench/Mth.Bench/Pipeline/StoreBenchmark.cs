using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Mth.Bench.Ingest;
using Mth.Bench.Measurement;
using Mth.Dicom.Network.Dimse;
using Mth.Encoding.Manifest;
using Mth.Testing.Dicom;
using Mth.Testing.Models;
using StackExchange.Redis;

namespace Mth.Bench.Pipeline;

/// <summary>
/// C-STORE to searchable at a steady rate: Ingest, Encoder and Query run as real processes (their build output,
/// configured by environment variables only) on the given Redis and RabbitMQ; one association sends instances at
/// the rate (<see cref="SteadyRateSender"/>); each instance is asked for through the query API
/// (<c>GET /v1/instances/{uid}/similar</c>) from its C-STORE response on until it answers 200. The C-STORE round
/// trip of the same run is the reference.
/// </summary>
internal sealed class StoreBenchmark(StoreBenchmarkOptions options)
{
    private const string AeTitle = "MTH";
    private static readonly TimeSpan SearchableTimeout = TimeSpan.FromMinutes(2);

    public async Task<StoreBenchmarkReport> RunAsync(CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var work = Directory.CreateTempSubdirectory("mth-bench-pipeline-store-").FullName;
        var prefix = $"mthbenchs{Environment.ProcessId}";
        try
        {
            var registry = Path.Combine(work, "registry");
            var model = await PublishModelAsync(registry, cancellationToken).ConfigureAwait(false);
            var template = options.Template ?? new SyntheticInstance { Rows = 256, Columns = 256, Seed = 1 }.WriteTo(Path.Combine(work, "template.dcm"));
            var sender = new SteadyRateSender(template);
            var (dicomPort, ingestHttp, encoderHttp, queryHttp) = (options.BasePort, options.BasePort + 1, options.BasePort + 2, options.BasePort + 3);
            var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            var common = new Dictionary<string, string>
            {
                ["Index__Provider"] = "Redis",
                ["Index__Redis__Configuration"] = string.Join(',', options.Redis),
                ["Index__Redis__KeyPrefix"] = prefix,
                ["Messaging__Transport"] = "RabbitMq",
                ["Messaging__RabbitMqUri"] = options.RabbitMqUri,
                ["Messaging__EndpointPrefix"] = prefix,
                ["InstanceStore__Root"] = Path.Combine(work, "instances"),
                ["Models__Registry"] = registry,
                ["Serilog__MinimumLevel__Default"] = "Warning",
            };

            Console.Error.WriteLine($"starting Encoder, Query and Ingest (logs in {work})…");
            await using var encoder = ServiceProcess.Start("Mth.Encoder", With(common, new()
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{encoderHttp}",
                ["Encoder__ExecutionProvider"] = "Cpu",
                ["Encoder__Model"] = model,
            }), work);
            await using var query = ServiceProcess.Start("Mth.Query", With(common, new()
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{queryHttp}",
                ["Query__ApiKeys__0"] = key,
                ["Query__Search"] = options.Search,
                ["Query__ExecutionProvider"] = "Cpu",
            }), work);
            await using var ingest = ServiceProcess.Start("Mth.Ingest", With(common, new()
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ingestHttp}",
                ["Ingest__Port"] = dicomPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Ingest__BindAddress"] = "127.0.0.1",
                ["Ingest__AeTitle"] = AeTitle,
            }), work);
            foreach (var (service, port) in new[] { (encoder, encoderHttp), (ingest, ingestHttp), (query, queryHttp) })
            {
                await service.WaitReadyAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            }

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{queryHttp}"), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Add("X-Api-Key", key);

            Console.Error.WriteLine($"warm-up: {options.Warmup} instances…");
            var warmup = await SendAndWatchAsync(sender, dicomPort, client, options.Warmup, cancellationToken).ConfigureAwait(false);
            notes.Add($"warm-up: {warmup.Count(r => r.SearchableMs is not null)} of {options.Warmup} instances searchable, not counted");

            var count = Math.Max(1, (int)Math.Round(options.Rate * options.Duration.TotalSeconds));
            Console.Error.WriteLine($"sending {count} instances at {options.Rate} per second…");
            var load = Machine.LoadAverage();
            var clock = Stopwatch.StartNew();
            var results = await SendAndWatchAsync(sender, dicomPort, client, count, cancellationToken).ConfigureAwait(false);
            var sendSeconds = results.Count == 0 ? 0 : results.Max(r => r.Sent.AcknowledgedAt.TotalSeconds);
            notes.Add($"{load.TrimStart(',', ' ')} at the start, {Machine.LoadAverage().TrimStart(',', ' ')} at the end; {clock.Elapsed.TotalSeconds:F0} s in all");
            foreach (var service in new[] { encoder, ingest, query }.Where(s => s.HasExited))
            {
                notes.Add($"{service.Name} exited during the run; see its log");
            }

            var searchable = new LatencySample(results.Count);
            var rtt = new LatencySample(results.Count);
            foreach (var result in results)
            {
                rtt.AddMilliseconds((result.Sent.AcknowledgedAt - result.Sent.SentAt).TotalMilliseconds);
                if (result.SearchableMs is { } ms)
                {
                    searchable.AddMilliseconds(ms);
                }
            }

            return new StoreBenchmarkReport(options.Rate, options.Duration.TotalSeconds, results.Count,
                results.Count(r => r.Sent.Status == DimseStatus.Success), searchable.Count, results.Count / Math.Max(sendSeconds, 1e-9),
                searchable.Percentile(50), searchable.Percentile(95), searchable.Percentile(99), searchable.Percentile(100),
                rtt.Percentile(50), rtt.Percentile(95), options.PollInterval.TotalMilliseconds, model, options.Search, Machine.Describe(), notes);
        }
        finally
        {
            await CleanUpRedisAsync(prefix).ConfigureAwait(false);
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"could not remove {work}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="count"/> instances at the rate while asking the query service, every poll interval, for
    /// each stored instance not yet found; an instance's figure is from its C-STORE response to the first 200.
    /// </summary>
    private async Task<List<(SentInstance Sent, double? SearchableMs)>> SendAndWatchAsync(SteadyRateSender sender, int port, HttpClient client, int count, CancellationToken cancellationToken)
    {
        var stored = new ConcurrentQueue<(SentInstance Sent, long AcknowledgedTimestamp)>();
        var all = new ConcurrentQueue<SentInstance>();
        var found = new ConcurrentDictionary<string, double>();
        var progress = new InlineProgress(instance =>
        {
            all.Enqueue(instance);
            if (instance.Status == DimseStatus.Success)
            {
                stored.Enqueue((instance, Stopwatch.GetTimestamp()));
            }
        });
        var reporter = new Progress("C-STORE", count);
        var sending = sender.SendAsync("127.0.0.1", port, AeTitle, count, options.Rate, progress, cancellationToken);
        var watching = new List<(SentInstance Sent, long AcknowledgedTimestamp)>();
        long? sendingEnded = null;
        while (true)
        {
            while (stored.TryDequeue(out var next))
            {
                watching.Add(next);
            }

            if (sending.IsCompleted)
            {
                await sending.ConfigureAwait(false);
                sendingEnded ??= Stopwatch.GetTimestamp();
                if (watching.Count == 0 || Stopwatch.GetElapsedTime(sendingEnded.Value) > SearchableTimeout)
                {
                    break;
                }
            }

            var checks = await Task.WhenAll(watching.Select(w => IsSearchableAsync(client, w.Sent.SopInstanceUid, cancellationToken))).ConfigureAwait(false);
            for (var i = watching.Count - 1; i >= 0; i--)
            {
                if (checks[i] is { } at)
                {
                    found[watching[i].Sent.SopInstanceUid] = Stopwatch.GetElapsedTime(watching[i].AcknowledgedTimestamp, at).TotalMilliseconds;
                    watching.RemoveAt(i);
                }
            }

            reporter.Report(all.Count);
            await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
        }

        reporter.Report(count);
        return all.Select(s => (s, found.TryGetValue(s.SopInstanceUid, out var ms) ? ms : (double?)null)).ToList();
    }

    /// <summary>The moment the query service answered 200 for the instance, or null while it answers 404 (or 503 before its first load).</summary>
    private static async Task<long?> IsSearchableAsync(HttpClient client, string sop, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync($"/v1/instances/{sop}/similar?k=1", cancellationToken).ConfigureAwait(false);
        var at = Stopwatch.GetTimestamp();
        return response.StatusCode switch
        {
            HttpStatusCode.OK => at,
            HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable => null,
            _ => throw new HttpRequestException($"The query service answered {(int)response.StatusCode} for {sop}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}"),
        };
    }

    /// <summary>Publishes the model to run (the given release, or a tiny generated one) and returns its version.</summary>
    private async Task<string> PublishModelAsync(string registry, CancellationToken cancellationToken)
    {
        ModelPackage package;
        if (options.Model is { } folder)
        {
            package = await ModelPackage.OpenAsync(folder, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            package = await new TinyOnnxModel(32, 48, 1).CreatePackageAsync(Path.Combine(Path.GetDirectoryName(registry)!, "tiny-model"), "bench-tiny-48", cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await new ModelRegistry(registry).PublishAsync(package, cancellationToken).ConfigureAwait(false);
        return package.Manifest.Version;
    }

    private async Task CleanUpRedisAsync(string prefix)
    {
        try
        {
            var configuration = new ConfigurationOptions { AbortOnConnectFail = true, AllowAdmin = true };
            foreach (var endPoint in options.Redis)
            {
                configuration.EndPoints.Add(endPoint);
            }

            await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            await RedisKeys.DeleteAsync(connection, prefix).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            Console.Error.WriteLine($"could not remove the keys of prefix {prefix}: {e.Message}");
        }
    }

    private static Dictionary<string, string> With(Dictionary<string, string> common, Dictionary<string, string> own) =>
        common.Concat(own).ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Reports on the sender's own thread, at the moment of each C-STORE response (Progress&lt;T&gt; would post it later).</summary>
    private sealed class InlineProgress(Action<SentInstance> report) : IProgress<SentInstance>
    {
        public void Report(SentInstance value) => report(value);
    }
}
