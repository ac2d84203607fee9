using Mth.Contracts.V1;
using Mth.Encoding.Manifest;
using Mth.Hosting.Messaging;

namespace Mth.Train.Publishing;

/// <summary>
/// Tells the encoders about a new model: publishes <see cref="ModelPublished"/> on the deployment's
/// RabbitMQ (the messaging options of the services, from the same environment variables), with the
/// artifact's SHA-256 so that each encoder verifies what it loads. A small bus client only; the encoders
/// do the rest (docs/encoder.md, "Release flow").
/// </summary>
public sealed class BusModelPublishedNotifier(MessagingOptions options) : IModelPublishedNotifier
{
    public MessagingOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public async Task NotifyAsync(PublishResult result, ModelRegistry registry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var manifest = result.Package.Manifest;
        await using var client = await MthBusClient.StartAsync(Options, cancellationToken).ConfigureAwait(false);
        await client.PublishAsync(new ModelPublished
        {
            ModelVersion = manifest.Version,
            Location = result.Package.Directory,
            Sha256 = manifest.Onnx.Sha256,
            Bits = manifest.Bits,
            InputSize = manifest.InputSize,
            PublishedAt = DateTimeOffset.UtcNow,
        }, cancellationToken).ConfigureAwait(false);
    }
}
