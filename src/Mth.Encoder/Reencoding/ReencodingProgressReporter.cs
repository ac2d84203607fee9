using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Contracts.V1;
using Mth.Encoder.Options;

namespace Mth.Encoder.Reencoding;

/// <summary>
/// Tells operators how a re-encoding goes: one log line and one <see cref="ReencodingProgress"/> message per
/// report, at most one per <see cref="EncoderOptions.ProgressIntervalSeconds"/> per job and encoder while it
/// runs; phase changes (started, activated, completed, failed) are always reported. The job record in the
/// coordination store holds the same figures at every moment.
/// </summary>
internal sealed partial class ReencodingProgressReporter(IOptions<EncoderOptions> options, TimeProvider time, ILogger<ReencodingProgressReporter> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    public async Task ReportAsync(ReencodingJob job, ReencodingPhase phase, IPublishEndpoint publisher, bool force, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = job.JobId;
        if (!force && _last.TryGetValue(key, out var last) && now - last < TimeSpan.FromSeconds(options.Value.ProgressIntervalSeconds) && !job.AllDone)
        {
            return;
        }

        _last[key] = now;
        var percent = job.Total == 0 ? (job.PlanComplete ? 100 : 0) : 100.0 * job.Processed / job.Total;
        LogProgress(job.Target, phase, job.Processed, job.Total, job.PlanComplete ? "" : "+", percent, job.Encoded, job.Skipped, job.Failed, job.DoneCount, job.PlannedChunks);
        await publisher.Publish(new ReencodingProgress
        {
            ModelVersion = job.Target,
            Phase = phase,
            Total = job.Total,
            Encoded = job.Encoded,
            Skipped = job.Skipped,
            Failed = job.Failed,
            At = now,
        }, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Re-encoding into {ModelVersion}: {Phase}, {Processed}/{Total}{More} instances ({Percent:F1}%): {Encoded} encoded, {Skipped} skipped, {Failed} failed; chunks {DoneChunks}/{PlannedChunks}")]
    private partial void LogProgress(string modelVersion, ReencodingPhase phase, long processed, long total, string more, double percent, long encoded, long skipped, long failed, int doneChunks, int plannedChunks);
}
