using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Core.Indexing;
using Mth.Encoder.Pipeline;
using Mth.Encoder.Options;
using Mth.Hosting.Messaging;

namespace Mth.Encoder.Reencoding;

/// <summary>
/// Each encoder's periodic look at the shared state (every <see cref="EncoderOptions.SupervisorIntervalSeconds"/>):
/// loads the active model at start (the log line naming the execution provider); when no version is active
/// and nothing is being built (a new deployment, or Redis restarted without persistence), starts a rebuild from
/// the instance store with the last active model seen, else <see cref="EncoderOptions.Model"/>, else the
/// registry's newest; finishes jobs whose chunks are all done; publishes again the chunks of stalled jobs
/// (at once at start with the in-memory transport, whose messages died with the last process); drops the
/// previous version once a switch's grace period is over; retires finished jobs. Every step is safe to run on
/// several encoders at once: the compare-and-set writes pick one.
/// </summary>
internal sealed partial class EncoderSupervisor(
    IIndexCatalog catalog,
    ReencodingJobStore jobs,
    ReencodingCoordinator coordinator,
    EncoderModels models,
    IBusControl bus,
    IOptions<EncoderOptions> options,
    IOptions<MessagingOptions> messaging,
    EncoderReadiness readiness,
    TimeProvider time,
    ILogger<EncoderSupervisor> logger) : BackgroundService
{
    private string? _lastActive;
    private bool _warnedNoModel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var resumeAtStart = messaging.Value.Transport == MessagingTransport.InMemory;
        // What is published before this encoder's receive endpoints exist (queues bound) could reach no queue.
        while (bus.CheckHealth().Status != BusHealthStatus.Healthy)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken).ConfigureAwait(false);
        }

        var first = true;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SupervisorIntervalSeconds), time);
        do
        {
            try
            {
                await TickAsync(first && resumeAtStart, stoppingToken).ConfigureAwait(false);
                first = false;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogTickFailed(exception.GetType().Name, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One look at the shared state; public to tests through the coordinator's behaviour.</summary>
    internal async Task TickAsync(bool resumeAll, CancellationToken cancellationToken)
    {
        var active = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (active is not null)
        {
            _lastActive = active;
            await models.GetAsync(active, cancellationToken: cancellationToken).ConfigureAwait(false);
            readiness.ActiveModelLoaded(active);
        }

        var list = await jobs.ListAsync(cancellationToken).ConfigureAwait(false);
        if (active is null && !list.Any(j => j.Phase == ReencodingJobPhase.Running))
        {
            await BootstrapAsync(cancellationToken).ConfigureAwait(false);
            list = await jobs.ListAsync(cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var stall = TimeSpan.FromSeconds(options.Value.StallTimeoutSeconds);
        foreach (var job in list)
        {
            switch (job.Phase)
            {
                case ReencodingJobPhase.Running when job.AllDone:
                    await coordinator.FinishAsync(job, bus, cancellationToken).ConfigureAwait(false);
                    break;
                case ReencodingJobPhase.Running when resumeAll || now - job.LastProgressAt >= stall:
                    await coordinator.ResumeAsync(job, force: resumeAll, bus, cancellationToken).ConfigureAwait(false);
                    break;
                case ReencodingJobPhase.Activated when now >= job.DropAfter:
                    await coordinator.DropPreviousAsync(job, cancellationToken).ConfigureAwait(false);
                    break;
                case ReencodingJobPhase.Completed or ReencodingJobPhase.Failed or ReencodingJobPhase.Superseded:
                    await coordinator.CleanUpAsync(job, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        var version = _lastActive ?? options.Value.Model ?? await models.NewestVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            if (!_warnedNoModel)
            {
                LogNoModel(models.Registry.Root);
                _warnedNoModel = true;
            }

            return;
        }

        LogBootstrap(version, _lastActive is null ? "no index version is active" : "the active index version disappeared (Redis lost its data?)");
        await coordinator.StartAsync(version, ReencodingKind.Rebuild, expectedSha256: null, bus, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Building index version {ModelVersion} from the instance store: {Reason}")]
    private partial void LogBootstrap(string modelVersion, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No index version is active and the model registry {Registry} holds no model: nothing can be encoded until one is published")]
    private partial void LogNoModel(string registry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Supervisor pass failed ({Error}: {Reason}); next pass at the next interval")]
    private partial void LogTickFailed(string error, string reason);
}

/// <summary>Readiness of the encoder: ready once the active version's model is loaded.</summary>
internal sealed class EncoderReadiness
{
    private volatile string? _loaded;

    public string? LoadedModel => _loaded;

    public void ActiveModelLoaded(string version) => _loaded = version;
}
