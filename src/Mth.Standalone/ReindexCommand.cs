using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mth.Contracts.V1;
using Mth.Core.Indexing;
using Mth.Encoder;
using Mth.Encoder.Reencoding;
using Mth.Encoding.Manifest;
using Mth.Hosting;
using Mth.Hosting.Messaging;

namespace Mth.Standalone;

/// <summary>
/// <c>./mth reindex</c>: rebuilds the index of the active model (or <c>--model</c>'s) from the stored instances,
/// for the embedded index and for Redis or Redis Cluster alike (same configuration as <c>./mth run</c>): after
/// Redis lost its data, or to fill a new cluster. The work is the encoder's own re-encoding (an encoder hosted in
/// this process on an in-memory bus, asked with <see cref="ReindexRequested"/>): chunks of the instance store read,
/// rendered, batch-encoded and written, progress recorded in the shared job record, one compare-and-set switch
/// when another version was active. A rebuild of the active version refills it in place; with no active version
/// the rebuilt one is active from the start (the encoder's rule). Interrupted, it continues where it stopped when
/// started again. The embedded index belongs to one process: stop <c>./mth run</c> first.
/// </summary>
internal static class ReindexCommand
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(StandaloneArguments arguments, TextWriter console)
    {
        IHost host;
        string registry;
        try
        {
            var builder = Host.CreateApplicationBuilder([.. arguments.ConfigurationArguments]);
            builder.AddMthServiceDefaults("reindex");
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
            {
                // Progress goes to stderr; the log keeps to what needs attention unless configured otherwise.
                InitialData = new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Warning" },
            });
            var standalone = StandaloneConfiguration.Apply(builder.Configuration, new Dictionary<string, string?>
            {
                // The work stays in this process whatever transport the deployment uses; encoders running elsewhere see
                // the job in the shared job record and write new instances into its version too.
                ["Messaging:Transport"] = nameof(MessagingTransport.InMemory),
            });
            registry = builder.Configuration["Models:Registry"] ?? "models";
            var published = await DefaultModel.PublishIfRegistryEmptyAsync(registry, standalone.DefaultModel, CancellationToken.None).ConfigureAwait(false);
            if (published is not null)
            {
                await console.WriteLineAsync($"reindex: published the default model {published} into the model registry").ConfigureAwait(false);
            }

            builder.AddMthEncoder();
            builder.AddMthMessaging();
            host = builder.Build();
        }
        catch (Exception e) when (StartFailure.Describe(e) is { } reason)
        {
            await console.WriteLineAsync($"reindex: {reason}").ConfigureAwait(false);
            return 1;
        }

        using (host)
        {
            try
            {
                return await ReindexAsync(host, arguments.Model, registry, console).ConfigureAwait(false);
            }
            catch (Exception e) when (StartFailure.Describe(e) is { } reason)
            {
                await console.WriteLineAsync($"reindex: {reason}").ConfigureAwait(false);
                return 1;
            }
        }
    }

    private static async Task<int> ReindexAsync(IHost host, string? model, string registry, TextWriter console)
    {
        var catalog = host.Services.GetRequiredService<IIndexCatalog>();
        var jobs = host.Services.GetRequiredService<ReencodingJobStore>();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var active = await catalog.GetActiveVersionAsync(stopping).ConfigureAwait(false);
        var target = model ?? active;
        if (target is not null)
        {
            // Refuse a model the registry cannot give before any work starts (the encoder would retry it for minutes).
            await new ModelRegistry(registry).OpenAsync(target, stopping).ConfigureAwait(false);
        }

        var requested = DateTimeOffset.UtcNow;
        var earlier = target is null ? null : await jobs.GetAsync(target, stopping).ConfigureAwait(false);
        await console.WriteLineAsync(target is null
            ? "reindex: no index version is active: the encoder builds one with the configured (Encoder:Model) or newest model of the registry"
            : $"reindex: rebuilding index version {target} from the instance store (active version: {active ?? "none"})").ConfigureAwait(false);

        await host.StartAsync(stopping).ConfigureAwait(false);
        try
        {
            if (target is not null)
            {
                await host.Services.GetRequiredService<IBus>().Publish(new ReindexRequested { ModelVersion = target, RequestedAt = requested }, stopping).ConfigureAwait(false);
            }

            var job = await WatchAsync(catalog, jobs, target, earlier, requested, console, stopping).ConfigureAwait(false);
            if (job is null)
            {
                await console.WriteLineAsync(stopping.IsCancellationRequested
                    ? "reindex: interrupted; run it again to continue where it stopped"
                    : $"reindex: no re-encoding started within {StartTimeout.TotalSeconds:0} s; see the log lines above").ConfigureAwait(false);
                return 1;
            }

            var nowActive = await catalog.GetActiveVersionAsync(CancellationToken.None).ConfigureAwait(false);
            if (job.Phase is ReencodingJobPhase.Failed or ReencodingJobPhase.Superseded)
            {
                await console.WriteLineAsync($"reindex: {job.Target} {job.Phase.ToString().ToLowerInvariant()}: {job.FailureReason}").ConfigureAwait(false);
                return 1;
            }

            await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"reindex: {job.Target} done in {(job.FinishedAt ?? job.ActivatedAt ?? DateTimeOffset.UtcNow) - job.CreatedAt:hh\\:mm\\:ss}: {job.Encoded} encoded, {job.Skipped} skipped (no image), {job.Failed} failed; active index version: {nowActive ?? "none"}")).ConfigureAwait(false);
            if (job.Failed > 0)
            {
                await console.WriteLineAsync("reindex: the instances that failed are named in the log lines above").ConfigureAwait(false);
            }

            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Follows the job until it leaves the Running phase, reporting count, rate and ETA; null when none started (or interrupted).</summary>
    private static async Task<ReencodingJob?> WatchAsync(IIndexCatalog catalog, ReencodingJobStore jobs, string? target, ReencodingJob? earlier,
        DateTimeOffset requested, TextWriter console, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var rate = new RateMeter();
        TimeSpan? lastReport = null;
        string? followed = null;
        try
        {
            while (true)
            {
                var version = target ?? await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
                var job = version is null ? null : await jobs.GetAsync(version, cancellationToken).ConfigureAwait(false);
                // Ours: a running job (a new one, or an interrupted one this run resumes), or one that finished after the request.
                if (job is { Phase: ReencodingJobPhase.Running })
                {
                    followed = job.JobId;
                }

                var ours = job is not null && (job.JobId == followed || (job.JobId != earlier?.JobId && job.CreatedAt >= requested - TimeSpan.FromSeconds(5)));
                if (ours)
                {
                    rate.Add(clock.Elapsed, job!.Processed);
                    if (job.Phase != ReencodingJobPhase.Running)
                    {
                        return job;
                    }

                    if (lastReport is null || clock.Elapsed - lastReport >= ReportInterval)
                    {
                        lastReport = clock.Elapsed;
                        await console.WriteLineAsync(Progress(job, rate)).ConfigureAwait(false);
                    }
                }
                else if (clock.Elapsed > StartTimeout)
                {
                    return null;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    internal static string Progress(ReencodingJob job, RateMeter rate)
    {
        var perSecond = rate.PerSecond;
        var total = job.PlanComplete ? job.Total.ToString(CultureInfo.InvariantCulture) : $"{job.Total}+ (listing)";
        var percent = job.PlanComplete && job.Total > 0 ? 100.0 * job.Processed / job.Total : double.NaN;
        var eta = job.PlanComplete && perSecond > 0
            ? TimeSpan.FromSeconds(Math.Ceiling((job.Total - job.Processed) / perSecond)).ToString("hh\\:mm\\:ss", CultureInfo.InvariantCulture)
            : "--:--:--";
        return string.Create(CultureInfo.InvariantCulture,
            $"reindex {job.Target}: {job.Processed}/{total} instances{(double.IsNaN(percent) ? "" : $" ({percent:F1}%)")}, {perSecond:F1}/s, ETA {eta} ({job.Failed} failed)");
    }
}

/// <summary>Instances per second over the last few samples (a sliding window of about ten seconds).</summary>
internal sealed class RateMeter
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private readonly Queue<(TimeSpan At, long Count)> _samples = new();

    public void Add(TimeSpan at, long count)
    {
        _samples.Enqueue((at, count));
        while (_samples.Count > 2 && at - _samples.Peek().At > Window)
        {
            _samples.Dequeue();
        }
    }

    public double PerSecond
    {
        get
        {
            if (_samples.Count < 2)
            {
                return 0;
            }

            var first = _samples.Peek();
            var last = _samples.Last();
            var seconds = (last.At - first.At).TotalSeconds;
            return seconds <= 0 ? 0 : (last.Count - first.Count) / seconds;
        }
    }
}
