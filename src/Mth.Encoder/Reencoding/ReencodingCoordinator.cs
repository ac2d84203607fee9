using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Contracts.V1;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Encoder.Pipeline;
using Mth.Encoder.Options;
using Mth.Encoder.Store;

namespace Mth.Encoder.Reencoding;

/// <summary>
/// Re-encoding every stored instance into an index version, shared by all encoders (docs/encoder.md,
/// "Release flow"). The work is cut into chunks of stored instances that travel as <see cref="ReencodeChunk"/>
/// commands on one queue that every encoder consumes (competing consumers). The instance store is listed
/// in order, a few chunks per <see cref="PlanReencoding"/> step, each step recorded in the coordination store
/// before its chunks are sent, so planning continues where it stopped. The job record (done chunks, counts)
/// is updated by compare-and-set after each chunk; when every chunk is done the active pointer moves with one
/// compare-and-set (<see cref="IIndexCatalog.TrySetActiveVersionAsync"/>): exactly one switch, whoever finishes
/// last. A restart loses nothing: unacknowledged commands are delivered again, and the supervisor publishes
/// again the chunks of a job that made no progress for a while (or at start, with the in-memory transport).
/// Used for model releases, for rebuilding a lost index, and by <see cref="ReindexRequested"/>.
/// </summary>
internal sealed partial class ReencodingCoordinator(
    IIndexCatalog catalog,
    IInstanceCatalog instances,
    ReencodingJobStore jobs,
    EncoderModels models,
    EncodingTargets targets,
    BatchEncoder encoder,
    InstanceStore store,
    ReencodingProgressReporter progress,
    IOptions<EncoderOptions> options,
    TimeProvider time,
    ILogger<ReencodingCoordinator> logger)
{
    private long _chunksEncoded;

    private EncoderOptions Options => options.Value;

    /// <summary>Chunks this encoder encoded and marked done (each chunk is counted by exactly one encoder).</summary>
    public long ChunksEncoded => Interlocked.Read(ref _chunksEncoded);

    /// <summary>
    /// Starts re-encoding the stored instances into the index version of model <paramref name="modelVersion"/>,
    /// after verifying and loading the model. Idempotent: a job already running for that version is returned
    /// as it is, and a release of the active model does nothing (null). When no version is active yet, the
    /// target becomes active at once (a new deployment, or an index lost) and fills as the job goes.
    /// </summary>
    public async Task<ReencodingJob?> StartAsync(string modelVersion, ReencodingKind kind, string? expectedSha256, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        if (!IndexNames.IsValidVersion(modelVersion))
        {
            throw new ArgumentException($"Model version of {modelVersion.Length} characters cannot name an index version ({IndexNames.MaxVersionLength} characters of [A-Za-z0-9._-] at most).", nameof(modelVersion));
        }

        var model = await models.GetAsync(modelVersion, expectedSha256, cancellationToken).ConfigureAwait(false);
        var active = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (kind == ReencodingKind.Release && string.Equals(active, modelVersion, StringComparison.Ordinal))
        {
            LogAlreadyActive(modelVersion);
            return null;
        }

        if (await jobs.GetAsync(modelVersion, cancellationToken).ConfigureAwait(false) is { Phase: ReencodingJobPhase.Running } running)
        {
            return running;
        }

        var expected = Math.Max(1000, await instances.CountAsync(cancellationToken).ConfigureAwait(false));
        await catalog.CreateVersionAsync(modelVersion, new IndexVersionOptions(model.Bits) { ExpectedItems = expected }, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var (created, job) = await jobs.TryCreateAsync(new ReencodingJob
        {
            JobId = Guid.NewGuid().ToString("N"),
            Target = modelVersion,
            Previous = active,
            Kind = kind,
            CreatedAt = now,
            LastProgressAt = now,
        }, cancellationToken).ConfigureAwait(false);
        if (!created)
        {
            return job;
        }

        if (active is null)
        {
            var activated = await catalog.TrySetActiveVersionAsync(null, modelVersion, cancellationToken).ConfigureAwait(false);
            var nowActive = activated ? null : await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
            job = (await jobs.UpdateAsync(modelVersion, j => j.JobId == job.JobId
                ? (activated ? j with { ActivatedAtStart = true } : j with { Previous = nowActive })
                : null, cancellationToken).ConfigureAwait(false))?.Job ?? job;
            if (activated)
            {
                LogActivatedAtStart(modelVersion);
            }
        }

        if (kind == ReencodingKind.Release)
        {
            await SupersedeOtherReleasesAsync(job, publisher, cancellationToken).ConfigureAwait(false);
        }

        LogStarted(modelVersion, kind, job.Previous ?? "none", job.JobId);
        await progress.ReportAsync(job, ReencodingPhase.Started, publisher, force: true, cancellationToken).ConfigureAwait(false);
        await publisher.Publish(new PlanReencoding { JobId = job.JobId, TargetVersion = job.Target, FromChunk = 0 }, cancellationToken).ConfigureAwait(false);
        return job;
    }

    /// <summary>
    /// One planning step: list the next chunks of the store, record them (one compare-and-set decides who records a
    /// step), then send them and the next step. A step already recorded is sent again only when this delivery may
    /// have been cut short (<paramref name="mayHaveBeenInterrupted"/>: a broker redelivery after a crash, or a retry)
    /// and the step was not marked sent; a plain duplicate is ignored, so duplicates never multiply.
    /// </summary>
    public async Task PlanAsync(PlanReencoding message, bool mayHaveBeenInterrupted, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(message.TargetVersion, cancellationToken).ConfigureAwait(false);
        if (!IsCurrent(job, message.JobId))
        {
            return; // another run's message, or a finished job
        }

        PlanStep? step;
        List<List<string>>? listed = null;
        if (job!.PlannedChunks == message.FromChunk && !job.PlanComplete)
        {
            var limit = Options.ReencodeChunkSize * Options.ReencodeChunksPerPlanStep;
            var keys = store.EnumerateKeys(job.PlanCursor).Take(limit).ToList();
            listed = keys.Chunk(Options.ReencodeChunkSize).Select(c => c.ToList()).ToList();
            var proposal = new PlanStep(job.JobId, message.FromChunk, listed.Select(c => new PlannedChunk(c[0], c[^1], c.Count)).ToList());
            step = await jobs.GetOrCreateStepAsync(job.Target, proposal, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(step, proposal))
            {
                listed = null; // an earlier attempt recorded this step: send what it recorded
            }

            var recorded = step;
            var now = time.GetUtcNow();
            var update = await jobs.UpdateAsync(job.Target, j => IsCurrent(j, message.JobId) && j.PlannedChunks == message.FromChunk && !j.PlanComplete
                ? j with
                {
                    PlannedChunks = j.PlannedChunks + recorded.Count,
                    PlanCursor = recorded.Count > 0 ? recorded.Chunks[^1].Last : j.PlanCursor,
                    PlanComplete = recorded.Instances < limit,
                    Total = j.Total + recorded.Instances,
                    LastProgressAt = now,
                }
                : null, cancellationToken).ConfigureAwait(false);
            if (update is not { Changed: true })
            {
                return; // a concurrent copy of this message recorded the step and sends it
            }

            job = update.Value.Job;
        }
        else if (job.PlannedChunks > message.FromChunk)
        {
            step = await jobs.GetStepAsync(job.Target, message.FromChunk, cancellationToken).ConfigureAwait(false);
            if (!mayHaveBeenInterrupted || step is null || step.JobId != job.JobId || job.DispatchedChunks >= message.FromChunk + step.Count)
            {
                if (step is null || step.JobId != job.JobId)
                {
                    LogStepMissing(job.Target, message.FromChunk);
                }

                return; // a duplicate, or a step that was sent completely before
            }

            LogStepSentAgain(job.Target, message.FromChunk);
        }
        else
        {
            // Planning ended exactly here (the last step found nothing more).
            await FinishAsync(job, publisher, cancellationToken).ConfigureAwait(false);
            return;
        }

        for (var i = 0; i < step.Count; i++)
        {
            var keys = listed?[i] ?? store.EnumerateRange(step.Chunks[i].First, step.Chunks[i].Last).ToList();
            await publisher.Publish(new ReencodeChunk { JobId = job.JobId, TargetVersion = job.Target, ChunkIndex = step.FirstChunk + i, StorageKeys = keys }, cancellationToken).ConfigureAwait(false);
        }

        if (!job.PlanComplete)
        {
            await publisher.Publish(new PlanReencoding { JobId = job.JobId, TargetVersion = job.Target, FromChunk = message.FromChunk + step.Count }, cancellationToken).ConfigureAwait(false);
        }

        var sent = message.FromChunk + step.Count;
        job = (await jobs.UpdateAsync(job.Target, j => IsCurrent(j, message.JobId) && j.DispatchedChunks < sent ? j with { DispatchedChunks = sent } : null, cancellationToken).ConfigureAwait(false))?.Job ?? job;
        if (job.PlanComplete)
        {
            LogPlanned(job.Target, job.Total, job.PlannedChunks);
            await FinishAsync(job, publisher, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Encodes one chunk into the job's version and marks it done (once: a redelivered chunk is encoded again,
    /// harmlessly, but counted once). A file that cannot be read or encoded counts as failed and does not stop
    /// the job; a write that fails throws, and the chunk is retried.
    /// </summary>
    public async Task EncodeChunkAsync(ReencodeChunk message, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(message.TargetVersion, cancellationToken).ConfigureAwait(false);
        if (!IsCurrent(job, message.JobId) || job!.IsDone(message.ChunkIndex))
        {
            return;
        }

        var target = await targets.ForVersionAsync(message.TargetVersion, cancellationToken).ConfigureAwait(false);
        long encoded = 0, skipped = 0, failed = 0;
        foreach (var keys in message.StorageKeys.Chunk(Options.BatchSize))
        {
            var reads = await encoder.ReadAsync(keys.Select(k => new InstanceRequest(k, SopInstanceUidOf(k))).ToList(), cancellationToken).ConfigureAwait(false);
            var rendered = reads.OfType<RenderedInstance>().ToList();
            await encoder.EncodeAsync(rendered, [target], cancellationToken).ConfigureAwait(false);
            encoded += rendered.Count;
            foreach (var read in reads)
            {
                switch (read)
                {
                    case SkippedInstance:
                        skipped++;
                        break;
                    case RejectedInstance rejected:
                        failed++;
                        LogInstanceFailed(job.Target, rejected.StorageKey, rejected.Reason);
                        break;
                    case FailedInstance error:
                        failed++;
                        LogInstanceFailed(job.Target, error.StorageKey, error.Error.Message);
                        break;
                }
            }
        }

        var now = time.GetUtcNow();
        var done = await jobs.UpdateAsync(message.TargetVersion, j => IsCurrent(j, message.JobId) && !j.IsDone(message.ChunkIndex)
            ? j.WithChunkDone(message.ChunkIndex, encoded, skipped, failed, now)
            : null, cancellationToken).ConfigureAwait(false);
        if (done is not { Changed: true })
        {
            return;
        }

        Interlocked.Increment(ref _chunksEncoded);
        LogChunkDone(message.ChunkIndex, job.Target, encoded, skipped, failed);
        await progress.ReportAsync(done.Value.Job, ReencodingPhase.Running, publisher, force: false, cancellationToken).ConfigureAwait(false);
        await FinishAsync(done.Value.Job, publisher, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// When every chunk is done: moves the active pointer from the job's previous version to its target with one
    /// compare-and-set (a rebuild moves nothing) and records the outcome. Safe to call from any encoder, any number of times.
    /// </summary>
    public async Task FinishAsync(ReencodingJob job, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        if (job.Phase != ReencodingJobPhase.Running || !job.AllDone)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (job.ActivatedAtStart || string.Equals(job.Previous, job.Target, StringComparison.Ordinal))
        {
            var completed = await jobs.UpdateAsync(job.Target, j => j.JobId == job.JobId && j.Phase == ReencodingJobPhase.Running
                ? j with { Phase = ReencodingJobPhase.Completed, FinishedAt = now }
                : null, cancellationToken).ConfigureAwait(false);
            if (completed is { Changed: true })
            {
                await progress.ReportAsync(completed.Value.Job, ReencodingPhase.Completed, publisher, force: true, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var switched = await catalog.TrySetActiveVersionAsync(job.Previous, job.Target, cancellationToken).ConfigureAwait(false);
        var active = switched ? job.Target : await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (switched)
        {
            LogSwitched(job.Previous ?? "none", job.Target);
        }

        if (string.Equals(active, job.Target, StringComparison.Ordinal))
        {
            var activated = await jobs.UpdateAsync(job.Target, j => j.JobId == job.JobId && j.Phase == ReencodingJobPhase.Running
                ? j with { Phase = ReencodingJobPhase.Activated, ActivatedAt = now, DropAfter = now + TimeSpan.FromSeconds(Options.DropGraceSeconds), LastProgressAt = now }
                : null, cancellationToken).ConfigureAwait(false);
            if (activated is { Changed: true })
            {
                await progress.ReportAsync(activated.Value.Job, ReencodingPhase.Activated, publisher, force: true, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var reason = $"The active version became {active ?? "none"} (not {job.Previous ?? "none"}) before {job.Target} was complete; not switched.";
        var failed = await jobs.UpdateAsync(job.Target, j => j.JobId == job.JobId && j.Phase == ReencodingJobPhase.Running
            ? j with { Phase = ReencodingJobPhase.Failed, FailureReason = reason, FinishedAt = now }
            : null, cancellationToken).ConfigureAwait(false);
        if (failed is { Changed: true })
        {
            LogFailed(job.Target, reason);
            await progress.ReportAsync(failed.Value.Job, ReencodingPhase.Failed, publisher, force: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Publishes again every chunk not yet done (and the next planning step) of a job that made no progress for
    /// <see cref="EncoderOptions.StallTimeoutSeconds"/>, or, with <paramref name="force"/>, at once (the in-memory
    /// transport lost its messages with the process). One encoder wins the claim; the others do nothing.
    /// </summary>
    public async Task ResumeAsync(ReencodingJob seen, bool force, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stall = TimeSpan.FromSeconds(Options.StallTimeoutSeconds);
        var claim = await jobs.UpdateAsync(seen.Target, j => j.JobId == seen.JobId && j.Phase == ReencodingJobPhase.Running && !j.AllDone && (force || now - j.LastProgressAt >= stall)
            ? j with { LastProgressAt = now, Resumes = j.Resumes + 1, DispatchedChunks = j.PlannedChunks }
            : null, cancellationToken).ConfigureAwait(false);
        if (claim is not { Changed: true })
        {
            return;
        }

        var job = claim.Value.Job;
        var published = 0;
        for (var first = 0; first < job.PlannedChunks;)
        {
            var step = await jobs.GetStepAsync(job.Target, first, cancellationToken).ConfigureAwait(false);
            if (step is null || step.Count == 0 || step.JobId != job.JobId)
            {
                LogStepMissing(job.Target, first);
                break;
            }

            for (var i = 0; i < step.Count; i++)
            {
                if (!job.IsDone(step.FirstChunk + i))
                {
                    var keys = store.EnumerateRange(step.Chunks[i].First, step.Chunks[i].Last).ToList();
                    await publisher.Publish(new ReencodeChunk { JobId = job.JobId, TargetVersion = job.Target, ChunkIndex = step.FirstChunk + i, StorageKeys = keys }, cancellationToken).ConfigureAwait(false);
                    published++;
                }
            }

            first += step.Count;
        }

        if (!job.PlanComplete)
        {
            await publisher.Publish(new PlanReencoding { JobId = job.JobId, TargetVersion = job.Target, FromChunk = job.PlannedChunks }, cancellationToken).ConfigureAwait(false);
        }

        LogResumed(job.Target, published, job.PlanComplete ? "complete" : "continuing");
    }

    /// <summary>After the grace period: drops the version the switch left behind, and retires the job.</summary>
    public async Task DropPreviousAsync(ReencodingJob job, CancellationToken cancellationToken)
    {
        var active = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (job.Previous is { } previous && !string.Equals(previous, active, StringComparison.Ordinal) && !job.PreviousDropped)
        {
            await catalog.DropVersionAsync(previous, cancellationToken).ConfigureAwait(false);
            models.Evict(previous);
            LogDropped(previous, job.Target);
        }

        var now = time.GetUtcNow();
        var completed = await jobs.UpdateAsync(job.Target, j => j.JobId == job.JobId && j.Phase == ReencodingJobPhase.Activated
            ? j with { Phase = ReencodingJobPhase.Completed, PreviousDropped = true, FinishedAt = now }
            : null, cancellationToken).ConfigureAwait(false);
        if (completed is not null)
        {
            await jobs.RetireAsync(completed.Value.Job, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A finished job leaves the list; a failed or superseded one takes its (never active) version with it.</summary>
    public async Task CleanUpAsync(ReencodingJob job, CancellationToken cancellationToken)
    {
        if (job.Phase is ReencodingJobPhase.Failed or ReencodingJobPhase.Superseded)
        {
            var active = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(active, job.Target, StringComparison.Ordinal) && await catalog.OpenVersionAsync(job.Target, cancellationToken).ConfigureAwait(false) is not null)
            {
                await catalog.DropVersionAsync(job.Target, cancellationToken).ConfigureAwait(false);
                models.Evict(job.Target);
                LogDropped(job.Target, job.Target);
            }
        }

        await jobs.RetireAsync(job, cancellationToken).ConfigureAwait(false);
    }

    private async Task SupersedeOtherReleasesAsync(ReencodingJob newest, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        foreach (var other in await jobs.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (other.Phase != ReencodingJobPhase.Running || other.Kind != ReencodingKind.Release || other.Target == newest.Target || other.ActivatedAtStart)
            {
                continue;
            }

            var now = time.GetUtcNow();
            var superseded = await jobs.UpdateAsync(other.Target, j => j.JobId == other.JobId && j.Phase == ReencodingJobPhase.Running
                ? j with { Phase = ReencodingJobPhase.Superseded, FailureReason = $"Superseded by the release of {newest.Target}.", FinishedAt = now }
                : null, cancellationToken).ConfigureAwait(false);
            if (superseded is { Changed: true })
            {
                LogSuperseded(other.Target, newest.Target);
                await progress.ReportAsync(superseded.Value.Job, ReencodingPhase.Failed, publisher, force: true, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsCurrent(ReencodingJob? job, string jobId) =>
        job is not null && job.JobId == jobId && job.Phase == ReencodingJobPhase.Running;

    /// <summary>The SOP Instance UID a stored file's name announces (Study/Series/Sop.dcm).</summary>
    private static string? SopInstanceUidOf(string storageKey) => InstanceStore.IsInstanceKey(storageKey, out var sop) ? sop : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-encoding into {ModelVersion} started ({Kind}; active version {Previous}; job {JobId})")]
    private partial void LogStarted(string modelVersion, ReencodingKind kind, string previous, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelVersion} is already the active version: nothing to re-encode")]
    private partial void LogAlreadyActive(string modelVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No active index version: {ModelVersion} is made active at once and filled from the instance store")]
    private partial void LogActivatedAtStart(string modelVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-encoding into {ModelVersion}: the instance store is listed, {Total} instances in {Chunks} chunks")]
    private partial void LogPlanned(string modelVersion, long total, int chunks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-encoding into {ModelVersion}: {StorageKey} not encoded: {Reason}")]
    private partial void LogInstanceFailed(string modelVersion, string storageKey, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chunk {ChunkIndex} of the re-encoding into {ModelVersion} done: {Encoded} encoded, {Skipped} skipped, {Failed} failed")]
    private partial void LogChunkDone(int chunkIndex, string modelVersion, long encoded, long skipped, long failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Active index version switched from {Previous} to {ModelVersion}")]
    private partial void LogSwitched(string previous, string modelVersion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Re-encoding into {ModelVersion} failed: {Reason}")]
    private partial void LogFailed(string modelVersion, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-encoding into {ModelVersion} resumed: {Chunks} unfinished chunks published again, planning {Planning}")]
    private partial void LogResumed(string modelVersion, int chunks, string planning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index version {Dropped} dropped (re-encoding into {ModelVersion})")]
    private partial void LogDropped(string dropped, string modelVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-encoding into {ModelVersion} superseded by the release of {Newer}")]
    private partial void LogSuperseded(string modelVersion, string newer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-encoding into {ModelVersion}: plan step {FromChunk} sent again (its first delivery was cut short)")]
    private partial void LogStepSentAgain(string modelVersion, int fromChunk);

    [LoggerMessage(Level = LogLevel.Error, Message = "Re-encoding into {ModelVersion}: plan step {FromChunk} is missing from the coordination store")]
    private partial void LogStepMissing(string modelVersion, int fromChunk);
}
