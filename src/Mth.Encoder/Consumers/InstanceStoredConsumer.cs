using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Contracts.V1;
using Mth.Core.Indexing;
using Mth.Encoder.Pipeline;
using Mth.Encoder.Options;
using Mth.Hosting.Messaging;

namespace Mth.Encoder.Consumers;

/// <summary>
/// InstanceStored → the instance's code in the active index version (and in any version being built),
/// its record in the instance catalog, then InstanceEncoded. Many run at once on one encoder (up to the
/// prefetch count) so that <see cref="LiveEncodingQueue"/> can fill batches; several encoders compete on
/// one queue. Objects without an image are skipped with the reason; a file that cannot be parsed throws
/// <see cref="InstanceRejectedException"/> (not retried: straight to the error queue, the reason in its fault
/// headers); anything else is retried with backoff.
/// </summary>
internal sealed partial class InstanceStoredConsumer(LiveEncodingQueue queue, IIndexCatalog catalog, ILogger<InstanceStoredConsumer> logger) : IConsumer<InstanceStored>
{
    public async Task Consume(ConsumeContext<InstanceStored> context)
    {
        var message = context.Message;
        // Ingest already looked: no Pixel Data means no image, without reading the file again.
        var outcome = message.HasPixelData
            ? await queue.EncodeAsync(message.StorageKey, message.SopInstanceUid, context.CancellationToken).ConfigureAwait(false)
            : new LiveSkipped(message.SopClassUid, "The data set has no pixel data (7FE0,0010) (announced by Ingest).",
                await catalog.GetActiveVersionAsync(context.CancellationToken).ConfigureAwait(false) ?? "");
        switch (outcome)
        {
            case LiveEncoded encoded:
                LogEncoded(message.SopInstanceUid, encoded.Codes.Count);
                foreach (var (version, code) in encoded.Codes)
                {
                    await context.Publish(new InstanceEncoded
                    {
                        SopInstanceUid = encoded.Record.SopInstanceUid,
                        StudyInstanceUid = encoded.Record.StudyInstanceUid,
                        ModelVersion = version,
                        Code = code.ToHex(),
                        EncodedAt = DateTimeOffset.UtcNow,
                    }, context.CancellationToken).ConfigureAwait(false);
                }

                break;
            case LiveSkipped skipped:
                LogSkipped(message.SopInstanceUid, skipped.SopClassUid, skipped.Reason);
                await context.Publish(new InstanceEncoded
                {
                    SopInstanceUid = message.SopInstanceUid,
                    StudyInstanceUid = message.StudyInstanceUid,
                    ModelVersion = skipped.ActiveVersion,
                    SkippedReason = skipped.Reason,
                    EncodedAt = DateTimeOffset.UtcNow,
                }, context.CancellationToken).ConfigureAwait(false);
                break;
            case LiveRejected rejected:
                LogRejected(message.SopInstanceUid, rejected.Reason);
                throw new InstanceRejectedException(rejected.Reason);
            case LiveFailed failed:
                // One exception may stand for a whole batch: each message throws its own, so that concurrent
                // rethrows never append to one shared stack trace (the retry log lines would grow with the batch).
                throw new InstanceEncodingFailedException($"{failed.Error.GetType().Name}: {failed.Error.Message}", failed.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Instance {SopInstanceUid} encoded into {Versions} index versions")]
    private partial void LogEncoded(string sopInstanceUid, int versions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {SopInstanceUid} ({SopClassUid}) skipped: {Reason}")]
    private partial void LogSkipped(string sopInstanceUid, string sopClassUid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {SopInstanceUid} rejected, its message goes to the error queue: {Reason}")]
    private partial void LogRejected(string sopInstanceUid, string reason);
}

/// <summary>
/// A message that can never succeed: not retried. MassTransit moves it to the queue's _error queue with this
/// exception's message in the MT-Fault-Message header (and its type in MT-Fault-ExceptionType).
/// </summary>
public abstract class PermanentMessageFailureException(string message) : Exception(message);

/// <summary>Encoding this instance failed for a reason that may pass (Redis or the file system unavailable, no index version yet): retried.</summary>
public sealed class InstanceEncodingFailedException(string message, Exception innerException) : Exception(message, innerException);

/// <summary>The stored file cannot be encoded and never will be (malformed, not the instance announced).</summary>
public sealed class InstanceRejectedException(string message) : PermanentMessageFailureException(message);

/// <summary>A published model that must not be used (its artifact does not match the SHA-256 announced).</summary>
public sealed class ModelRefusedException(string message) : PermanentMessageFailureException(message);

/// <summary>The live queue <c>&lt;prefix&gt;-encoder</c>: shared by every encoder, prefetch and concurrency for batching, retry with backoff.</summary>
internal sealed class InstanceStoredConsumerDefinition : ConsumerDefinition<InstanceStoredConsumer>
{
    private readonly EncoderOptions _options;

    public InstanceStoredConsumerDefinition(IOptions<EncoderOptions> options, IOptions<MessagingOptions> messaging)
    {
        _options = options.Value;
        EndpointName = $"{messaging.Value.EndpointPrefix}-encoder";
        // Every prefetched message may wait in the batcher at once.
        ConcurrentMessageLimit = _options.EffectivePrefetchCount;
        Endpoint(e => e.PrefetchCount = _options.EffectivePrefetchCount);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<InstanceStoredConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Exponential(_options.RetryLimit, TimeSpan.FromSeconds(_options.RetryMinSeconds), TimeSpan.FromSeconds(_options.RetryMaxSeconds), TimeSpan.FromSeconds(_options.RetryMinSeconds));
            retry.Ignore<PermanentMessageFailureException>();
        });
    }
}
