using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mth.Core.Coordination;
using Mth.Core.Embedded;
using Mth.Core.Indexing;
using Mth.Core.Indexing.InMemory;
using Mth.Core.Instances;
using Mth.Index.Redis;
using StackExchange.Redis;

namespace Mth.Hosting.Indexing;

/// <summary>
/// <c>builder.AddMthIndex()</c>: the index catalog (<see cref="IIndexCatalog"/>), the instance catalog
/// (<see cref="IInstanceCatalog"/>) and the coordination store (<see cref="ICoordinationStore"/>) of the
/// provider that configuration section <c>Index</c> names, plus, for Redis, the shared
/// <see cref="IConnectionMultiplexer"/> and a readiness check. Safe to call from every service a process hosts:
/// the second call adds nothing.
/// </summary>
public static class IndexRegistration
{
    public static IHostApplicationBuilder AddMthIndex(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return builder;
        }

        services.AddSingleton<Marker>();
        services.AddOptions<IndexOptions>()
            .BindConfiguration(IndexOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<IndexOptions>, IndexOptionsValidation>();

        var options = builder.Configuration.GetSection(IndexOptions.Section).Get<IndexOptions>() ?? new IndexOptions();
        switch (options.Provider)
        {
            case IndexProvider.Embedded:
                services.AddSingleton(sp => EmbeddedIndexStorage.Open(sp.GetRequiredService<IOptions<IndexOptions>>().Value.Embedded.Folder));
                services.AddSingleton<IIndexCatalog>(sp => sp.GetRequiredService<EmbeddedIndexStorage>().Index);
                services.AddSingleton<IInstanceCatalog>(sp => sp.GetRequiredService<EmbeddedIndexStorage>().Instances);
                services.AddSingleton<ICoordinationStore>(sp => sp.GetRequiredService<EmbeddedIndexStorage>().Coordination);
                break;
            case IndexProvider.Memory:
                services.AddSingleton<IIndexCatalog>(_ => new InMemoryIndexCatalog());
                services.AddSingleton<IInstanceCatalog, InMemoryInstanceCatalog>();
                services.AddSingleton<ICoordinationStore, InMemoryCoordinationStore>();
                break;
            default:
                services.TryAddSingleton<IConnectionMultiplexer>(sp => Connect(sp.GetRequiredService<IOptions<IndexOptions>>().Value.Redis));
                services.AddSingleton<IIndexCatalog>(sp =>
                {
                    var redis = sp.GetRequiredService<IOptions<IndexOptions>>().Value.Redis;
                    return new RedisIndexCatalog(sp.GetRequiredService<IConnectionMultiplexer>(),
                        new RedisIndexOptions
                        {
                            KeyPrefix = redis.KeyPrefix,
                            ShardsPerVersion = redis.ShardsPerVersion,
                            DirectBucketReads = redis.DirectBucketReads,
                            DirectReadBlockingWaitMicroseconds = redis.DirectReadBlockingWaitMicroseconds,
                        });
                });
                services.AddSingleton<IInstanceCatalog>(sp => new RedisInstanceCatalog(
                    sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IOptions<IndexOptions>>().Value.Redis.KeyPrefix));
                services.AddSingleton<ICoordinationStore>(sp => new RedisCoordinationStore(
                    sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IOptions<IndexOptions>>().Value.Redis.KeyPrefix));
                services.AddHealthChecks().AddCheck<RedisReadinessCheck>("redis", tags: [ServiceDefaults.ReadyTag]);
                break;
        }

        return builder;
    }

    /// <summary>
    /// Connects without failing when Redis is down at start (AbortOnConnectFail off): the connection keeps
    /// retrying in the background, the readiness check reports the outage, and commands fail until it answers.
    /// </summary>
    public static ConnectionMultiplexer Connect(RedisIndexSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var configuration = ConfigurationOptions.Parse(settings.Configuration);
        configuration.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(configuration);
    }

    private sealed class Marker;

    /// <summary>Reports every problem at start, not just "invalid".</summary>
    private sealed class IndexOptionsValidation : IValidateOptions<IndexOptions>
    {
        public ValidateOptionsResult Validate(string? name, IndexOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}

/// <summary>The embedded index folder: the index catalog at its root, instances/ and coordination/ inside it; one process owns it.</summary>
public sealed class EmbeddedIndexStorage : IDisposable
{
    private EmbeddedIndexStorage(EmbeddedIndexCatalog index, EmbeddedInstanceCatalog instances, EmbeddedCoordinationStore coordination)
    {
        Index = index;
        Instances = instances;
        Coordination = coordination;
    }

    public EmbeddedIndexCatalog Index { get; }

    public EmbeddedInstanceCatalog Instances { get; }

    public EmbeddedCoordinationStore Coordination { get; }

    public static EmbeddedIndexStorage Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var index = EmbeddedIndexCatalog.Open(folder);
        EmbeddedInstanceCatalog? instances = null;
        try
        {
            instances = EmbeddedInstanceCatalog.Open(Path.Combine(folder, "instances"));
            return new EmbeddedIndexStorage(index, instances, EmbeddedCoordinationStore.Open(Path.Combine(folder, "coordination")));
        }
        catch
        {
            instances?.Dispose();
            index.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Coordination.Dispose();
        Instances.Dispose();
        Index.Dispose();
    }
}
