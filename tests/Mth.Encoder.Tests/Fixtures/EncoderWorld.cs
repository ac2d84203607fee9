using System.Globalization;
using Mth.Contracts.V1;
using Mth.Core.Coordination;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Encoder.Reencoding;
using Mth.Encoding.Manifest;
using Mth.Hosting.Messaging;
using Mth.Index.Redis;
using Mth.Testing.Dicom;
using Mth.Testing.Models;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Encoder.Tests.Fixtures;

/// <summary>
/// Everything one encoder test runs against: a temporary folder with a model registry and an instance
/// store, its own Redis key prefix and broker endpoint prefix (so tests never see each other), and the
/// settings an encoder (in-process or a process) needs to use them. Disposing removes the keys, queues and files.
/// </summary>
public sealed class EncoderWorld : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public EncoderWorld(string amqpUri, IConnectionMultiplexer redis, string redisConfiguration)
    {
        AmqpUri = amqpUri;
        Redis = redis;
        RedisConfiguration = redisConfiguration;
        Prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        Directory.CreateDirectory(Registry);
        Directory.CreateDirectory(Store);
        Catalog = new RedisIndexCatalog(redis, new RedisIndexOptions { KeyPrefix = Prefix });
        Instances = new RedisInstanceCatalog(redis, Prefix);
        Coordination = new RedisCoordinationStore(redis, Prefix);
        Jobs = new ReencodingJobStore(Coordination);
        Queues = new BrokerQueues(amqpUri);
    }

    public string AmqpUri { get; }

    public IConnectionMultiplexer Redis { get; }

    public string RedisConfiguration { get; }

    /// <summary>Redis key prefix and broker endpoint prefix of this test.</summary>
    public string Prefix { get; }

    public string Root => _directory.Path;

    public string Registry => Path.Combine(Root, "registry");

    public string Store => Path.Combine(Root, "store");

    public IIndexCatalog Catalog { get; }

    public IInstanceCatalog Instances { get; }

    public ICoordinationStore Coordination { get; }

    public ReencodingJobStore Jobs { get; }

    public BrokerQueues Queues { get; }

    public string LiveQueue => $"{Prefix}-encoder";

    public string LiveErrorQueue => $"{Prefix}-encoder_error";

    public static EncoderWorld OnSingleNode(string amqpUri, RedisServerFixture redis) => new(amqpUri, redis.Connection, redis.EndPoint);

    public static EncoderWorld OnCluster(string amqpUri, RedisClusterFixture cluster) => new(amqpUri, cluster.Connection, string.Join(',', cluster.EndPoints));

    /// <summary>Builds a tiny model package and publishes it into the registry.</summary>
    public async Task<ModelPackage> PublishModelAsync(TinyOnnxModel model, string version)
    {
        var staging = Path.Combine(Root, "staging-" + version);
        var package = await model.CreatePackageAsync(staging, version);
        return (await new ModelRegistry(Registry).PublishAsync(package)).Package;
    }

    /// <summary>Writes instances into the store as Ingest would (Study/Series/Sop.dcm).</summary>
    public IReadOnlyList<SyntheticInstance> StoreInstances(int count, int seed = 0, string? study = null)
    {
        var instances = new List<SyntheticInstance>(count);
        for (var i = 0; i < count; i++)
        {
            var instance = new SyntheticInstance { Seed = seed + i, StudyInstanceUid = study ?? (i % 5 == 0 || instances.Count == 0 ? Mth.Dicom.DicomUid.Generate() : instances[^1].StudyInstanceUid) };
            instance.WriteToStore(Store);
            instances.Add(instance);
        }

        return instances;
    }

    public static InstanceStored Announce(SyntheticInstance instance, bool hasPixelData = true) => new()
    {
        SopInstanceUid = instance.SopInstanceUid,
        SopClassUid = instance.SopClassUid,
        StudyInstanceUid = instance.StudyInstanceUid,
        SeriesInstanceUid = instance.SeriesInstanceUid,
        Modality = instance.Modality,
        BodyPartExamined = instance.BodyPartExamined,
        TransferSyntaxUid = "1.2.840.10008.1.2.1",
        StorageKey = instance.StorageKey,
        SizeBytes = 1,
        StoredAt = DateTimeOffset.UtcNow,
        HasPixelData = hasPixelData,
    };

    /// <summary>Publishes messages as Ingest does (publisher confirms, prefixed exchanges).</summary>
    public async Task PublishAsync<T>(IEnumerable<T> messages)
        where T : class
    {
        await using var client = await MthBusClient.StartAsync(new MessagingOptions { RabbitMqUri = AmqpUri, EndpointPrefix = Prefix });
        foreach (var message in messages)
        {
            await client.PublishAsync(message);
        }
    }

    /// <summary>The settings of an encoder in this world; <paramref name="overrides"/> adds to them or replaces them.</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Index:Provider"] = "Redis",
            ["Index:Redis:Configuration"] = RedisConfiguration,
            ["Index:Redis:KeyPrefix"] = Prefix,
            ["Messaging:Transport"] = "RabbitMq",
            ["Messaging:RabbitMqUri"] = AmqpUri,
            ["Messaging:EndpointPrefix"] = Prefix,
            ["Models:Registry"] = Registry,
            ["InstanceStore:Root"] = Store,
            ["Encoder:ExecutionProvider"] = "Cpu",
            ["Encoder:InferenceThreads"] = "1",
            ["Encoder:SupervisorIntervalSeconds"] = "1",
            ["Encoder:RetryLimit"] = "3",
            ["Encoder:RetryMinSeconds"] = "1",
            ["Encoder:RetryMaxSeconds"] = "2",
            ["Encoder:DropGraceSeconds"] = "2",
            ["Encoder:ProgressIntervalSeconds"] = "1",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public async Task<long> CountAsync(string version) =>
        await Catalog.OpenVersionAsync(version) is { } index ? await index.CountAsync() : -1;

    public async Task<string> DescribeAsync()
    {
        var active = await Catalog.GetActiveVersionAsync();
        var versions = await Catalog.ListVersionsAsync();
        var counts = new List<string>();
        foreach (var version in versions)
        {
            var count = await CountAsync(version.Version);
            counts.Add(string.Create(CultureInfo.InvariantCulture, $"{version.Version}={count}"));
        }

        var jobs = await Jobs.ListAsync();
        var catalogCount = await Instances.CountAsync();
        var live = await Queues.CountAsync(LiveQueue);
        var errors = await Queues.CountAsync(LiveErrorQueue);
        var jobText = string.Join("; ", jobs.Select(j => $"{j.Target} {j.Phase} {j.DoneCount}/{j.PlannedChunks} chunks {j.Encoded}+{j.Skipped}+{j.Failed}/{j.Total}"));
        return $"active {active ?? "none"}; versions {string.Join(", ", counts)}; catalog {catalogCount}; jobs {jobText}; live queue {live}, error queue {errors}";
    }

    public async ValueTask DisposeAsync()
    {
        await RedisTestKeys.DeleteAsync(Redis, Prefix);
        var queues = new[] { "encoder", "encoder-reencoding", "encoder-release" }
            .SelectMany(q => new[] { $"{Prefix}-{q}", $"{Prefix}-{q}_error", $"{Prefix}-{q}_skipped" });
        await Queues.DeleteAsync(queues);
        _directory.Dispose();
    }
}
