using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Core.Indexing;

namespace Mth.Query.ActiveModel;

/// <summary>
/// Follows the catalog's active version: reads the pointer every <see cref="QueryOptions.ActiveVersionPollInterval"/>,
/// and when it names another version, loads that version's search and model while the current generation keeps
/// serving, then switches in one step. A version that fails to load (model not in the registry yet, code length
/// mismatch, replica load failure) is retried after <see cref="QueryOptions.LoadRetryInterval"/>; the old
/// generation serves meanwhile. The pointer gone (Redis emptied) retires the generation: queries get 503.
/// </summary>
internal sealed partial class ActiveVersionFollower(
    IIndexCatalog catalog,
    ActiveSearch active,
    SearchGenerationLoader loader,
    IOptions<QueryOptions> options,
    ILogger<ActiveVersionFollower> logger) : BackgroundService
{
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private (string Version, DateTimeOffset RetryAt)? _failed;
    private bool _catalogFailing;

    /// <summary>When the catalog last answered.</summary>
    public DateTimeOffset? CatalogReadAt { get; private set; }

    /// <summary>The last error reading the catalog, null once it answers again.</summary>
    public Exception? CatalogError { get; private set; }

    /// <summary>The active version named by the catalog at the last read.</summary>
    public string? CatalogActiveVersion { get; private set; }

    /// <summary>Why the catalog's active version is not loaded, when it failed to load.</summary>
    public (string Version, string Reason)? LoadFailure { get; private set; }

    /// <summary>Switches done since start (for operators and tests).</summary>
    public int Switches { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(options.Value.ActiveVersionPollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            active.Publish(null);
        }
    }

    /// <summary>Reads the active pointer once and loads and switches when it moved.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string? wanted;
            try
            {
                wanted = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
                CatalogReadAt = DateTimeOffset.UtcNow;
                CatalogError = null;
                CatalogActiveVersion = wanted;
                if (_catalogFailing)
                {
                    _catalogFailing = false;
                    LogCatalogBack(logger);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                CatalogError = e;
                if (!_catalogFailing)
                {
                    _catalogFailing = true;
                    LogCatalogUnreachable(logger, e);
                }

                return;
            }

            var current = active.Version;
            if (string.Equals(wanted, current, StringComparison.Ordinal))
            {
                LoadFailure = null;
                return;
            }

            if (wanted is null)
            {
                LogNoActiveVersion(logger, current);
                active.Publish(null);
                return;
            }

            if (_failed is { } failed && failed.Version == wanted && DateTimeOffset.UtcNow < failed.RetryAt)
            {
                return;
            }

            try
            {
                var generation = await loader.LoadAsync(wanted, cancellationToken).ConfigureAwait(false);
                active.Publish(generation);
                Switches++;
                _failed = null;
                LoadFailure = null;
                LogSwitched(logger, current ?? "(none)", wanted, generation.Search.Mode);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _failed = (wanted, DateTimeOffset.UtcNow + options.Value.LoadRetryInterval);
                LoadFailure = (wanted, e.Message);
                LogLoadFailed(logger, e, wanted, current ?? "(none)", options.Value.LoadRetryInterval.TotalSeconds);
            }
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    public override void Dispose()
    {
        _refreshGate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Query: active version {Previous} -> {Version} ({Mode} search)")]
    private static partial void LogSwitched(ILogger logger, string previous, string version, string mode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Query: active version {Version} cannot be loaded; {Current} keeps serving; retry in {Seconds} s")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string version, string current, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query: the index names no active version (was {Current}); searches answer 503 until one is set")]
    private static partial void LogNoActiveVersion(ILogger logger, string? current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query: the index catalog cannot be read; the loaded version keeps serving")]
    private static partial void LogCatalogUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Query: the index catalog answers again")]
    private static partial void LogCatalogBack(ILogger logger);
}
