using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mth.Core.Coordination;

namespace Mth.Encoder.Reencoding;

/// <summary>
/// Typed access to the re-encoding documents in the coordination store: <c>reencoding/jobs</c> (the targets
/// of jobs not yet finished), <c>reencoding/job/&lt;target&gt;</c> and <c>reencoding/plan/&lt;target&gt;/&lt;n&gt;</c>.
/// Every change is a read-modify-write retried until its compare-and-set wins.
/// </summary>
public sealed class ReencodingJobStore(ICoordinationStore store)
{
    private const string IndexKey = "reencoding/jobs";
    private const int MaxAttempts = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task<ReencodingJob?> GetAsync(string target, CancellationToken cancellationToken = default)
    {
        var document = await store.GetAsync(JobKey(target), cancellationToken).ConfigureAwait(false);
        return document is null ? null : Parse<ReencodingJob>(document.Value);
    }

    /// <summary>The jobs not yet finished (and finished ones not yet cleaned up), in creation order.</summary>
    public async Task<IReadOnlyList<ReencodingJob>> ListAsync(CancellationToken cancellationToken = default)
    {
        var targets = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new List<ReencodingJob>(targets.Value.Count);
        foreach (var target in targets.Value)
        {
            if (await GetAsync(target, cancellationToken).ConfigureAwait(false) is { } job)
            {
                jobs.Add(job);
            }
        }

        return jobs.OrderBy(j => j.CreatedAt).ToList();
    }

    /// <summary>
    /// Records a new job unless one is running for the same target: true when <paramref name="job"/> was written
    /// (replacing a finished one), false when a running job was there (returned in <paramref name="existing"/>).
    /// </summary>
    public async Task<(bool Created, ReencodingJob Job)> TryCreateAsync(ReencodingJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var key = JobKey(job.Target);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var document = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (document is not null && Parse<ReencodingJob>(document.Value) is { Phase: ReencodingJobPhase.Running } running)
            {
                return (false, running);
            }

            if (await store.TryWriteAsync(key, Serialise(job), document?.Revision ?? 0, cancellationToken).ConfigureAwait(false) is not null)
            {
                await ChangeIndexAsync(list => list.Contains(job.Target) ? null : [.. list, job.Target], cancellationToken).ConfigureAwait(false);
                return (true, job);
            }
        }

        throw new InvalidOperationException($"The job record of {job.Target} kept changing; gave up.");
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored job until the write wins. The change returns null to leave the
    /// job as it is. Returns the job as stored afterwards and whether this call changed it; null when there is no job.
    /// </summary>
    public async Task<(ReencodingJob Job, bool Changed)?> UpdateAsync(string target, Func<ReencodingJob, ReencodingJob?> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var key = JobKey(target);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var document = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (document is null)
            {
                return null;
            }

            var current = Parse<ReencodingJob>(document.Value);
            var next = change(current);
            if (next is null)
            {
                return (current, false);
            }

            if (await store.TryWriteAsync(key, Serialise(next), document.Revision, cancellationToken).ConfigureAwait(false) is not null)
            {
                return (next, true);
            }
        }

        throw new InvalidOperationException($"The job record of {target} kept changing; gave up.");
    }

    /// <summary>Forgets a finished job's plan steps and takes it off the list (its job record stays for operators).</summary>
    public async Task RetireAsync(ReencodingJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        for (var first = 0; first < job.PlannedChunks || first == 0;)
        {
            var step = await GetStepAsync(job.Target, first, cancellationToken).ConfigureAwait(false);
            await store.DeleteAsync(StepKey(job.Target, first), cancellationToken).ConfigureAwait(false);
            if (step is null || step.Count == 0)
            {
                break;
            }

            first += step.Count;
        }

        await ChangeIndexAsync(list => list.Contains(job.Target) ? list.Where(t => t != job.Target).ToList() : null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PlanStep?> GetStepAsync(string target, int firstChunk, CancellationToken cancellationToken = default)
    {
        var document = await store.GetAsync(StepKey(target, firstChunk), cancellationToken).ConfigureAwait(false);
        return document is null ? null : Parse<PlanStep>(document.Value);
    }

    /// <summary>Stores the step unless this job already has one at that position; returns the stored one (the first writer's).</summary>
    public async Task<PlanStep> GetOrCreateStepAsync(string target, PlanStep step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        var key = StepKey(target, step.FirstChunk);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var document = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (document is not null && Parse<PlanStep>(document.Value) is var existing && existing.JobId == step.JobId)
            {
                return existing;
            }

            // Absent, or left over from an earlier run for the same target: replace.
            if (await store.TryWriteAsync(key, Serialise(step), document?.Revision ?? 0, cancellationToken).ConfigureAwait(false) is not null)
            {
                return step;
            }
        }

        throw new InvalidOperationException($"Plan step {step.FirstChunk} of {target} kept changing; gave up.");
    }

    private async Task<(List<string> Value, long Revision)> ReadIndexAsync(CancellationToken cancellationToken)
    {
        var document = await store.GetAsync(IndexKey, cancellationToken).ConfigureAwait(false);
        return document is null ? ([], 0) : (Parse<List<string>>(document.Value), document.Revision);
    }

    private async Task ChangeIndexAsync(Func<List<string>, List<string>?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (list, revision) = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
            var next = change(list);
            if (next is null || await store.TryWriteAsync(IndexKey, Serialise(next), revision, cancellationToken).ConfigureAwait(false) is not null)
            {
                return;
            }
        }

        throw new InvalidOperationException("The re-encoding job list kept changing; gave up.");
    }

    private static string JobKey(string target) => $"reencoding/job/{target}";

    private static string StepKey(string target, int firstChunk) => string.Create(CultureInfo.InvariantCulture, $"reencoding/plan/{target}/{firstChunk}");

    private static string Serialise<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidDataException("An empty re-encoding document.");
}
