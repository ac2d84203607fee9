using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Contracts.V1;
using Mth.Core.Indexing;
using Mth.Encoder.Pipeline;
using Mth.Encoder.Options;
using Mth.Encoder.Reencoding;
using Mth.Encoding.Manifest;
using Mth.Hosting.Messaging;

namespace Mth.Encoder.Consumers;

/// <summary>The shared work of a re-encoding: planning steps and chunks, one at a time per encoder, competing with the other encoders.</summary>
internal sealed class ReencodingWorkConsumer(ReencodingCoordinator coordinator) : IConsumer<PlanReencoding>, IConsumer<ReencodeChunk>
{
    public Task Consume(ConsumeContext<PlanReencoding> context) =>
        coordinator.PlanAsync(context.Message, context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0, context, context.CancellationToken);

    public Task Consume(ConsumeContext<ReencodeChunk> context) => coordinator.EncodeChunkAsync(context.Message, context, context.CancellationToken);
}

/// <summary>
/// Starts re-encodings: a published model (ModelPublished, from `./mth train publish`) or a reindex request.
/// A durable queue shared by the encoders, so that exactly one of them starts the job even when the event
/// was published while none was running; starting is idempotent anyway.
/// </summary>
internal sealed partial class ReencodingRequestConsumer(ReencodingCoordinator coordinator, IIndexCatalog catalog, ILogger<ReencodingRequestConsumer> logger)
    : IConsumer<ModelPublished>, IConsumer<ReindexRequested>
{
    public async Task Consume(ConsumeContext<ModelPublished> context)
    {
        var message = context.Message;
        try
        {
            await coordinator.StartAsync(message.ModelVersion, ReencodingKind.Release, message.Sha256, context, context.CancellationToken).ConfigureAwait(false);
        }
        catch (ModelManifestException exception) when (exception.Message.Contains("SHA-256", StringComparison.Ordinal))
        {
            // A damaged or substituted artifact never becomes right by waiting: refuse, do not retry.
            LogRefused(message.ModelVersion, exception.Message);
            throw new ModelRefusedException($"Model {message.ModelVersion} refused: {exception.Message}");
        }
    }

    public async Task Consume(ConsumeContext<ReindexRequested> context)
    {
        var version = context.Message.ModelVersion ?? await catalog.GetActiveVersionAsync(context.CancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            LogNothingToReindex();
            return;
        }

        await coordinator.StartAsync(version, ReencodingKind.Rebuild, expectedSha256: null, context, context.CancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {ModelVersion} refused: {Reason}")]
    private partial void LogRefused(string modelVersion, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reindex requested but no index version is active and none was named")]
    private partial void LogNothingToReindex();
}

/// <summary>
/// Every encoder's own copy of ModelPublished (a temporary queue per encoder, fan-out): verifies the artifact's
/// SHA-256 and loads the model, so that each encoder is ready to write the new version when the job needs it,
/// and a damaged artifact is reported by every encoder that would use it.
/// </summary>
internal sealed partial class ModelPublishedConsumer(EncoderModels models, ILogger<ModelPublishedConsumer> logger) : IConsumer<ModelPublished>
{
    public async Task Consume(ConsumeContext<ModelPublished> context)
    {
        var message = context.Message;
        try
        {
            var model = await models.GetAsync(message.ModelVersion, message.Sha256, context.CancellationToken).ConfigureAwait(false);
            LogReady(message.ModelVersion, model.Manifest.Onnx.Sha256);
        }
        catch (ModelManifestException exception)
        {
            LogRefused(message.ModelVersion, exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelVersion} published: SHA-256 {Sha256} verified, loaded")]
    private partial void LogReady(string modelVersion, string sha256);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {ModelVersion} published but refused here: {Reason}")]
    private partial void LogRefused(string modelVersion, string reason);
}

/// <summary><c>&lt;prefix&gt;-encoder-reencoding</c>: one message at a time per encoder, so chunks spread over the encoders and a crash holds back one.</summary>
internal sealed class ReencodingWorkConsumerDefinition : ConsumerDefinition<ReencodingWorkConsumer>
{
    private readonly EncoderOptions _options;

    public ReencodingWorkConsumerDefinition(IOptions<EncoderOptions> options, IOptions<MessagingOptions> messaging)
    {
        _options = options.Value;
        EndpointName = $"{messaging.Value.EndpointPrefix}-encoder-reencoding";
        ConcurrentMessageLimit = 1;
        Endpoint(e => e.PrefetchCount = 1);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ReencodingWorkConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(_options.RetryLimit, TimeSpan.FromSeconds(_options.RetryMinSeconds), TimeSpan.FromSeconds(_options.RetryMaxSeconds), TimeSpan.FromSeconds(_options.RetryMinSeconds)));
}

/// <summary><c>&lt;prefix&gt;-encoder-release</c>: durable, shared, retried (the registry copy may lag the event on a shared volume).</summary>
internal sealed class ReencodingRequestConsumerDefinition : ConsumerDefinition<ReencodingRequestConsumer>
{
    private readonly EncoderOptions _options;

    public ReencodingRequestConsumerDefinition(IOptions<EncoderOptions> options, IOptions<MessagingOptions> messaging)
    {
        _options = options.Value;
        EndpointName = $"{messaging.Value.EndpointPrefix}-encoder-release";
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ReencodingRequestConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Exponential(_options.RetryLimit, TimeSpan.FromSeconds(_options.RetryMinSeconds), TimeSpan.FromSeconds(_options.RetryMaxSeconds), TimeSpan.FromSeconds(_options.RetryMinSeconds));
            retry.Ignore<PermanentMessageFailureException>();
        });
}

/// <summary><c>&lt;prefix&gt;-encoder-model-&lt;instance&gt;</c>: a temporary queue per encoder (auto-deleted when it stops), so every encoder gets every release.</summary>
internal sealed class ModelPublishedConsumerDefinition : ConsumerDefinition<ModelPublishedConsumer>
{
    public ModelPublishedConsumerDefinition(IOptions<EncoderOptions> options, IOptions<MessagingOptions> messaging)
    {
        // The instance's name is part of the queue name: a temporary queue is exclusive to its connection.
        var instance = options.Value.InstanceName ?? $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";
        var safe = new string(instance.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        EndpointName = $"{messaging.Value.EndpointPrefix}-encoder-model-{safe}";
        Endpoint(e => e.Temporary = true);
    }
}
