using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Core.Codes;
using Mth.Core.Instances;
using Mth.Encoder.Options;

namespace Mth.Encoder.Pipeline;

/// <summary>What became of one newly stored instance.</summary>
internal abstract record LiveOutcome;

/// <summary>Encoded and written: one code per index version written.</summary>
internal sealed record LiveEncoded(InstanceRecord Record, IReadOnlyList<(string Version, BinaryCode Code)> Codes) : LiveOutcome;

/// <summary>Nothing the model can see (no pixel data, an undecodable transfer syntax): skipped with the reason.</summary>
internal sealed record LiveSkipped(string SopClassUid, string Reason, string ActiveVersion) : LiveOutcome;

/// <summary>Must not be retried (cannot be parsed, not the instance announced): the message goes to the error queue.</summary>
internal sealed record LiveRejected(string Reason) : LiveOutcome;

/// <summary>Failed for a reason that may pass (Redis, the file system): the message is retried.</summary>
internal sealed record LiveFailed(Exception Error) : LiveOutcome;

/// <summary>
/// Batches the instances that concurrent consumers hand in: a batch closes at <see cref="EncoderOptions.BatchSize"/>
/// images or <see cref="EncoderOptions.BatchWindowMilliseconds"/> after its first image, whichever comes first, and
/// is read, rendered, encoded and written as one (<see cref="BatchEncoder"/>). Each consumer then gets its own
/// instance's outcome, so each message is acknowledged, retried or dead-lettered on its own: a poison file does not
/// hold back the others of its batch. Own batching rather than MassTransit's batch consumer for exactly that reason.
/// </summary>
internal sealed partial class LiveEncodingQueue(BatchEncoder encoder, EncodingTargets targets, IOptions<EncoderOptions> options, ILogger<LiveEncodingQueue> logger)
    : BackgroundService
{
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    public async Task<LiveOutcome> EncodeAsync(string storageKey, string? sopInstanceUid, CancellationToken cancellationToken)
    {
        var item = new Pending(new InstanceRequest(storageKey, sopInstanceUid), new TaskCompletionSource<LiveOutcome>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        if (!_pending.Writer.TryWrite(item))
        {
            throw new OperationCanceledException("The encoder is stopping.");
        }

        using var registration = cancellationToken.Register(() => item.Completion.TrySetCanceled(cancellationToken));
        return await item.Completion.Task.ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var size = options.Value.BatchSize;
        var window = TimeSpan.FromMilliseconds(options.Value.BatchWindowMilliseconds);
        var reader = _pending.Reader;
        var batch = new List<Pending>(size);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                var deadline = Stopwatch.GetTimestamp() + (long)(window.TotalSeconds * Stopwatch.Frequency);
                while (batch.Count < size)
                {
                    if (reader.TryRead(out var item))
                    {
                        if (!item.Cancellation.IsCancellationRequested)
                        {
                            batch.Add(item);
                        }

                        continue;
                    }

                    var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (batch.Count == 0 || remaining <= TimeSpan.Zero)
                    {
                        break;
                    }

                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(remaining);
                    try
                    {
                        await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        break;
                    }
                }

                if (batch.Count > 0)
                {
                    await ProcessAsync(batch, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: messages not yet answered are not acknowledged, so the broker delivers them again.
        }
        finally
        {
            _pending.Writer.TryComplete();
            foreach (var item in batch)
            {
                item.Completion.TrySetCanceled(stoppingToken);
            }

            while (reader.TryRead(out var item))
            {
                item.Completion.TrySetCanceled(stoppingToken);
            }
        }
    }

    private async Task ProcessAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var reads = await encoder.ReadAsync(batch.Select(b => b.Request).ToList(), stoppingToken).ConfigureAwait(false);
            var rendered = reads.OfType<RenderedInstance>().ToList();
            LiveTargets? written = null;
            EncodedBatch? encoded = null;
            Exception? failure = null;
            try
            {
                written = await targets.ForNewInstancesAsync(stoppingToken).ConfigureAwait(false);
                if (rendered.Count > 0)
                {
                    encoded = await encoder.EncodeAsync(rendered, written.Targets, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                failure = exception;
                LogBatchFailed(batch.Count, exception.GetType().Name, exception.Message);
            }

            var next = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                LiveOutcome outcome = reads[i] switch
                {
                    RenderedInstance r when encoded is not null => new LiveEncoded(r.Record, encoded.Targets.Select((t, k) => (t.Version, encoded.Codes[next][k])).ToList()),
                    RenderedInstance => new LiveFailed(failure!),
                    SkippedInstance s => new LiveSkipped(s.SopClassUid, s.Reason, written?.Active ?? ""),
                    RejectedInstance x => new LiveRejected(x.Reason),
                    FailedInstance f => new LiveFailed(f.Error),
                    _ => throw new InvalidOperationException("Unknown read outcome."),
                };
                if (reads[i] is RenderedInstance)
                {
                    next++;
                }

                batch[i].Completion.TrySetResult(outcome);
            }

            LogBatch(batch.Count, rendered.Count, written?.Targets.Count ?? 0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception exception)
        {
            // Never leave a consumer waiting: whatever went wrong fails this batch's messages (retried).
            foreach (var item in batch)
            {
                item.Completion.TrySetException(exception);
            }

            if (exception is OperationCanceledException && stoppingToken.IsCancellationRequested)
            {
                throw;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Batch of {Count}: {Encoded} encoded into {Versions} index versions in {Milliseconds:F0} ms")]
    private partial void LogBatch(int count, int encoded, int versions, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch of {Count} not written ({Error}: {Reason}); its messages are retried")]
    private partial void LogBatchFailed(int count, string error, string reason);

    private sealed record Pending(InstanceRequest Request, TaskCompletionSource<LiveOutcome> Completion, CancellationToken Cancellation);
}
