using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Mth.Encoding.Manifest;
using Mth.Hosting.Messaging;
using Mth.Train.Publishing;

namespace Mth.Train.Commands;

/// <summary>
/// <c>mth train publish --model DIR [--registry DIR_OR_URI] [--bus AMQP_URI]</c>: verify a released model
/// folder and copy it atomically into the model registry; a version is never overwritten with other content.
/// When a bus is configured (--bus, or the services' Messaging__RabbitMqUri and Messaging__EndpointPrefix
/// environment variables), a new publication is announced with ModelPublished and the encoders re-encode.
/// </summary>
internal static class PublishCommand
{
    public static Command Create(IReadOnlyList<IModelPublishedNotifier>? notifiers = null)
    {
        var model = new Option<string>("--model") { Description = "Released model folder (manifest.json + model.onnx)", Required = true };
        var registry = new Option<string?>("--registry") { Description = $"Registry directory or file:// URI (default: ${ModelPublisher.RegistryVariable})" };
        var bus = new Option<string?>("--bus") { Description = "RabbitMQ URI of the deployment to announce the model to (default: $Messaging__RabbitMqUri; neither: no announcement)" };
        var command = new Command("publish", "Verify a model folder, copy it into the model registry and announce it to the encoders.") { model, registry, bus };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(result, async () =>
        {
            var output = result.InvocationConfiguration.Output;
            var location = ModelPublisher.ResolveRegistryLocation(result.GetValue(registry))
                ?? throw new ArgumentException($"No model registry: pass --registry or set {ModelPublisher.RegistryVariable}.");
            var busNotifier = notifiers is null ? FromEnvironment(result.GetValue(bus)) : null;
            var publisher = new ModelPublisher(new ModelRegistry(location), notifiers ?? (busNotifier is null ? [] : [busNotifier]));
            var published = await publisher.PublishAsync(result.GetValue(model)!, cancellationToken);
            var manifest = published.Package.Manifest;
            output.WriteLine(published.Outcome == PublishOutcome.Published
                ? $"published {manifest.Version} ({manifest.Bits} bits, S = {manifest.InputSize}, sha256 {manifest.Onnx.Sha256}) to {published.Package.Directory}"
                : $"{manifest.Version} is already in the registry with the same content; nothing changed");
            if (published.Outcome == PublishOutcome.Published && notifiers is null)
            {
                output.WriteLine(busNotifier is null
                    ? "no bus configured (--bus or Messaging__RabbitMqUri): the encoders were not told"
                    : $"announced {manifest.Version} to the encoders (ModelPublished, endpoint prefix {busNotifier.Options.EndpointPrefix})");
            }

            return 0;
        }));
        return command;
    }

    /// <summary>The services' Messaging section from the environment (Messaging__…), the URI overridden by --bus; null when no bus is named at all.</summary>
    private static BusModelPublishedNotifier? FromEnvironment(string? busUri)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = configuration.GetSection(MessagingOptions.Section).Get<MessagingOptions>() ?? new MessagingOptions();
        var named = !string.IsNullOrWhiteSpace(busUri) || !string.IsNullOrWhiteSpace(configuration[$"{MessagingOptions.Section}:RabbitMqUri"]);
        if (!named)
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(busUri))
        {
            options.RabbitMqUri = busUri;
        }

        options.Transport = MessagingTransport.RabbitMq;
        return new BusModelPublishedNotifier(options);
    }
}
