using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mth.Contracts.V1;
using Mth.Encoding.Manifest;
using Mth.Hosting.Messaging;
using Mth.Index.Redis;
using Mth.Query.Api;
using Mth.Testing.DicomNetwork;
using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;
using Mth.Testing.Services;
using StackExchange.Redis;

namespace Mth.Pipeline.Tests.Pipeline;

/// <summary>
/// Ingest, Encoder and Query running as real processes (their build output, configured by environment variables
/// only, free loopback ports chosen now) on a real RabbitMQ and a real Redis (one node or a cluster), sharing a
/// model registry and an instance store in a temporary folder, with their own broker endpoint prefix and Redis key
/// prefix. A recorder keeps the InstanceEncoded and ReencodingProgress messages the encoder publishes. Disposing
/// stops the processes and removes the keys and files.
/// </summary>
public sealed class PipelineServices : IAsyncDisposable
{
    public const string AeTitle = "MTH_E2E";

    /// <summary>The committed default model (brain MRI, 48 bits, S = 64).</summary>
    public const string DefaultModelFolder = "models/mth-brain-48b-s64";

    /// <summary>
    /// What Ingest is configured to accept: every image storage class, and (not by default) structured reports and a
    /// 12-lead ECG, which the encoder must skip with a reason.
    /// </summary>
    public static readonly IReadOnlyList<string> StorageSopClasses =
    [
        .. Mth.Dicom.Network.StorageSopClasses.Images,
        Testing.Dicom.SyntheticInstance.BasicTextSR, "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.9.1.1",
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _work;
    private readonly List<ServiceProcess> _processes = [];

    private PipelineServices(string work, string amqpUri, IConnectionMultiplexer redis, string redisConfiguration)
    {
        _work = work;
        AmqpUri = amqpUri;
        Redis = redis;
        RedisConfiguration = redisConfiguration;
        Catalog = new RedisIndexCatalog(redis, new RedisIndexOptions { KeyPrefix = Prefix });
        Instances = new RedisInstanceCatalog(redis, Prefix);
        Query = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Query.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public string AmqpUri { get; }

    public IConnectionMultiplexer Redis { get; }

    public string RedisConfiguration { get; }

    /// <summary>Redis key prefix and broker endpoint prefix of this run.</summary>
    public string Prefix { get; } = "e2e" + Guid.NewGuid().ToString("N")[..10];

    public string ApiKey { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string Registry => Path.Combine(_work, "registry");

    public string Store => Path.Combine(_work, "instances");

    public string Logs => Path.Combine(_work, "logs");

    public RedisIndexCatalog Catalog { get; }

    public RedisInstanceCatalog Instances { get; }

    /// <summary>The model the encoder starts with (published into the registry before the services start).</summary>
    public ModelPackage Model { get; private set; } = null!;

    /// <summary>A client of the query service, with the API key.</summary>
    public HttpClient Query { get; }

    public int DicomPort { get; private set; }

    public BusMessageRecorder Messages { get; private set; } = null!;

    public static async Task<PipelineServices> StartAsync(string work, string amqpUri, IConnectionMultiplexer redis, string redisConfiguration)
    {
        var services = new PipelineServices(work, amqpUri, redis, redisConfiguration);
        try
        {
            await services.StartAsync();
            return services;
        }
        catch (Exception exception)
        {
            var logs = services.LogTails();
            await services.DisposeAsync();
            throw new InvalidOperationException($"The pipeline did not start: {exception.Message}\n{logs}", exception);
        }
    }

    private async Task StartAsync()
    {
        Directory.CreateDirectory(Store);
        var committed = await ModelPackage.OpenAsync(RabbitMqNode.RepositoryFile(DefaultModelFolder));
        Model = (await new ModelRegistry(Registry).PublishAsync(committed)).Package;
        Messages = await BusMessageRecorder.StartAsync(AmqpUri, Prefix, r => r.Record<InstanceEncoded>().Record<ReencodingProgress>());

        var common = new Dictionary<string, string>
        {
            ["Index__Provider"] = "Redis",
            ["Index__Redis__Configuration"] = RedisConfiguration,
            ["Index__Redis__KeyPrefix"] = Prefix,
            ["Messaging__Transport"] = "RabbitMq",
            ["Messaging__RabbitMqUri"] = AmqpUri,
            ["Messaging__EndpointPrefix"] = Prefix,
            ["InstanceStore__Root"] = Store,
            ["Models__Registry"] = Registry,
            ["Serilog__MinimumLevel__Default"] = "Information",
            ["Serilog__MinimumLevel__Override__Microsoft"] = "Warning",
            ["Serilog__MinimumLevel__Override__MassTransit"] = "Warning",
        };
        var (encoderHttp, queryHttp, ingestHttp) = (FreeTcpPort.Next(), FreeTcpPort.Next(), FreeTcpPort.Next());
        DicomPort = FreeTcpPort.Next();

        // The encoder first: it makes the model active, which the query service needs to be ready.
        var encoder = Start("Mth.Encoder", common, encoderHttp, new()
        {
            ["Encoder__Model"] = Model.Manifest.Version,
            ["Encoder__ExecutionProvider"] = "Cpu",
            ["Encoder__InferenceThreads"] = "1",
            ["Encoder__SupervisorIntervalSeconds"] = "1",
            ["Encoder__ProgressIntervalSeconds"] = "1",
            ["Encoder__DropGraceSeconds"] = "2",
            ["Encoder__ReencodeChunkSize"] = "16",
        });
        await encoder.WaitReadyAsync($"http://127.0.0.1:{encoderHttp}/health/ready", TimeSpan.FromSeconds(90));
        var query = Start("Mth.Query", common, queryHttp, new()
        {
            ["Query__ApiKeys__0"] = ApiKey,
            ["Query__ExecutionProvider"] = "Cpu",
            ["Query__ActiveVersionPollInterval"] = "00:00:00.200",
        });
        var storage = StorageSopClasses;
        var ingest = Start("Mth.Ingest", common, ingestHttp, new Dictionary<string, string>
        {
            ["Ingest__Port"] = DicomPort.ToString(CultureInfo.InvariantCulture),
            ["Ingest__BindAddress"] = "127.0.0.1",
            ["Ingest__AeTitle"] = AeTitle,
        }.Concat(storage.Select((uid, i) => KeyValuePair.Create($"Ingest__StorageSopClasses__{i}", uid))).ToDictionary());
        Query.BaseAddress = new Uri($"http://127.0.0.1:{queryHttp}");
        await Task.WhenAll(
            query.WaitReadyAsync($"http://127.0.0.1:{queryHttp}/health/ready", TimeSpan.FromSeconds(90)),
            ingest.WaitReadyAsync($"http://127.0.0.1:{ingestHttp}/health/ready", TimeSpan.FromSeconds(90)));
    }

    private ServiceProcess Start(string project, Dictionary<string, string> common, int httpPort, Dictionary<string, string> own)
    {
        var environment = new Dictionary<string, string>(common) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}" };
        foreach (var (key, value) in own)
        {
            environment[key] = value;
        }

        var process = ServiceProcess.Start(project, environment, Logs);
        _processes.Add(process);
        return process;
    }

    /// <summary>dcmtk storescu sends the files on one association (TCP_NODELAY=1, set by <see cref="DcmtkProcess"/>).</summary>
    /// <param name="arguments">Options, then the files.</param>
    public Task<DcmtkResult> StoreAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        DcmtkProcess.RunAsync("storescu", ["-aet", "E2E_SCU", "-aec", AeTitle, "127.0.0.1", DicomPort.ToString(CultureInfo.InvariantCulture), .. arguments],
            TimeSpan.FromMinutes(2), cancellationToken);

    /// <summary>
    /// Asks the query service for each instance every 200 ms until it answers 200, or until <paramref name="giveUp"/>.
    /// Returns the time from the call until the last one answered, and the instances that never did.
    /// </summary>
    public async Task<(TimeSpan Elapsed, IReadOnlyList<string> Missing)> WaitSearchableAsync(IEnumerable<string> sopInstanceUids, TimeSpan giveUp)
    {
        var clock = Stopwatch.StartNew();
        var waiting = sopInstanceUids.ToHashSet(StringComparer.Ordinal);
        var last = TimeSpan.Zero;
        while (waiting.Count > 0 && clock.Elapsed < giveUp)
        {
            foreach (var sop in waiting.ToList())
            {
                var (status, _) = await SimilarInstancesAsync(sop, 1);
                if (status == HttpStatusCode.OK)
                {
                    waiting.Remove(sop);
                    last = clock.Elapsed;
                }
                else if (status is not (HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable))
                {
                    throw new HttpRequestException($"The query service answered {(int)status} for a stored instance.");
                }
            }

            if (waiting.Count > 0)
            {
                await Task.Delay(200);
            }
        }

        return (last, [.. waiting]);
    }

    /// <summary>GET /v1/instances/{uid}/similar?k=: the status, and the answer when it is 200.</summary>
    public Task<(HttpStatusCode Status, SimilarResponse? Answer)> SimilarInstancesAsync(string sopInstanceUid, int k, CancellationToken cancellationToken = default) =>
        GetAsync($"/v1/instances/{sopInstanceUid}/similar?k={k}", cancellationToken);

    /// <summary>GET /v1/studies/{uid}/similar?k=: the status, and the answer when it is 200.</summary>
    public Task<(HttpStatusCode Status, SimilarResponse? Answer)> SimilarStudiesAsync(string studyInstanceUid, int k, CancellationToken cancellationToken = default) =>
        GetAsync($"/v1/studies/{studyInstanceUid}/similar?k={k}", cancellationToken);

    private async Task<(HttpStatusCode, SimilarResponse?)> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await Query.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        return response.StatusCode == HttpStatusCode.OK
            ? (response.StatusCode, await response.Content.ReadFromJsonAsync<SimilarResponse>(Json, cancellationToken))
            : (response.StatusCode, null);
    }

    /// <summary>
    /// Releases a model the way <c>mth train publish</c> does: the folder is verified and copied into the registry
    /// (<see cref="ModelRegistry.PublishAsync"/>), then <see cref="ModelPublished"/> is announced on the bus with
    /// the artifact's SHA-256. Here the committed model is re-released under <paramref name="version"/> (same
    /// weights, so every code stays the same and answers can be checked across the switch).
    /// </summary>
    public async Task<ModelPackage> ReleaseCommittedModelAsAsync(string version)
    {
        var staging = Path.Combine(_work, "release-" + version);
        Directory.CreateDirectory(staging);
        File.Copy(Model.ModelPath, Path.Combine(staging, Model.Manifest.Onnx.File));
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Model.ManifestPath))!;
        manifest["version"] = version;
        manifest["created_utc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(staging, ModelManifest.FileName), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var published = await new ModelRegistry(Registry).PublishAsync(await ModelPackage.OpenAsync(staging));
        await using var bus = await MthBusClient.StartAsync(new MessagingOptions { RabbitMqUri = AmqpUri, EndpointPrefix = Prefix });
        await bus.PublishAsync(new ModelPublished
        {
            ModelVersion = published.Package.Manifest.Version,
            Location = published.Package.Directory,
            Sha256 = published.Package.Manifest.Onnx.Sha256,
            Bits = published.Package.Manifest.Bits,
            InputSize = published.Package.Manifest.InputSize,
            PublishedAt = DateTimeOffset.UtcNow,
        });
        return published.Package;
    }

    /// <summary>The services whose process has ended (none, while the pipeline runs).</summary>
    public IReadOnlyList<string> Exited => [.. _processes.Where(p => p.HasExited).Select(p => p.Name)];

    /// <summary>The last lines of every service's log, for failure messages.</summary>
    public string LogTails(int lines = 40) => string.Join("\n", _processes.Select(p => p.LogTail(lines)));

    /// <summary>Every log line of one service (Mth.Ingest, Mth.Encoder, Mth.Query).</summary>
    public IReadOnlyList<string> LogLines(string project) => _processes.Single(p => p.Name == project).LogLines();

    public async ValueTask DisposeAsync()
    {
        Query.Dispose();
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        if (Messages is not null)
        {
            await Messages.DisposeAsync();
        }

        await RedisTestKeys.DeleteAsync(Redis, Prefix);
    }
}
