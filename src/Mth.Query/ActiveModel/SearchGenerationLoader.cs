using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Core.Indexing;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Hosting.Models;
using Mth.Index.Redis;
using Mth.Index.Redis.Replication;
using Mth.Query.Search;

namespace Mth.Query.ActiveModel;

/// <summary>
/// Loads what a version needs before it may serve queries: the index version (and, in replica mode, its
/// in-memory copy, loaded and caught up), and the model of the same name from the registry (SHA-256
/// checked, code length matching the version).
/// </summary>
internal sealed partial class SearchGenerationLoader(
    IIndexCatalog catalog,
    IOptions<QueryOptions> queryOptions,
    IOptions<ModelsOptions> modelsOptions,
    ILogger<SearchGenerationLoader> logger)
{
    private bool _inProcessNoted;

    public async Task<SearchGeneration> LoadAsync(string version, CancellationToken cancellationToken)
    {
        var options = queryOptions.Value;
        var index = await catalog.OpenVersionAsync(version, cancellationToken).ConfigureAwait(false)
            ?? throw new IndexCatalogException($"Index version '{version}' is active but cannot be opened (missing or being dropped).");

        var registry = new ModelRegistry(modelsOptions.Value.Registry);
        var package = await registry.OpenAsync(version, cancellationToken).ConfigureAwait(false);
        if (package.Manifest.Bits != index.Bits)
        {
            throw new ModelManifestException($"Model '{version}' makes {package.Manifest.Bits}-bit codes but index version '{version}' holds {index.Bits}-bit codes.");
        }

        var encoder = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = options.ExecutionProvider });
        try
        {
            LogModelLoaded(logger, version, encoder.ExecutionProviderReport);
            var started = TimeProvider.System.GetTimestamp();
            IVersionSearch search;
            if (options.Search == QuerySearchMode.Replica && index is RedisHammingIndex redis)
            {
                var replica = await RedisIndexReplica.StartAsync(redis, new RedisIndexReplicaOptions { PollInterval = options.ReplicaPollInterval }, cancellationToken).ConfigureAwait(false);
                search = new ReplicaVersionSearch(replica);
                LogReplicaLoaded(logger, version, await replica.CountAsync(cancellationToken).ConfigureAwait(false), TimeProvider.System.GetElapsedTime(started).TotalSeconds);
            }
            else
            {
                if (options.Search == QuerySearchMode.Replica && !_inProcessNoted)
                {
                    _inProcessNoted = true;
                    LogInProcessIndex(logger, index.GetType().Name);
                }

                search = new DirectVersionSearch(index);
            }

            return new SearchGeneration(search, encoder, (generation, failure) =>
            {
                if (failure is null)
                {
                    LogReleased(logger, generation.Version);
                }
                else
                {
                    LogReleaseFailed(logger, failure, generation.Version);
                }
            });
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Query: model {Version} loaded ({ExecutionProvider})")]
    private static partial void LogModelLoaded(ILogger logger, string version, string executionProvider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Query: replica of index version {Version} loaded, {Items} items in {Seconds:F1} s")]
    private static partial void LogReplicaLoaded(ILogger logger, string version, long items, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Query: the {IndexType} index already searches in process; Replica mode searches it directly")]
    private static partial void LogInProcessIndex(ILogger logger, string indexType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Query: resources of the retired version {Version} released")]
    private static partial void LogReleased(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query: releasing the retired version {Version} failed")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string version);
}
