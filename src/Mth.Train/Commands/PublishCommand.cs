using System.CommandLine;
using Mth.Encoding.Manifest;
using Mth.Train.Publishing;

namespace Mth.Train.Commands;

/// <summary>
/// <c>mth train publish --model DIR [--registry DIR_OR_URI]</c>: verify a released model folder and
/// copy it atomically into the model registry; a version is never overwritten with other content.
/// </summary>
internal static class PublishCommand
{
    public static Command Create(IReadOnlyList<IModelPublishedNotifier>? notifiers = null)
    {
        var model = new Option<string>("--model") { Description = "Released model folder (manifest.json + model.onnx)", Required = true };
        var registry = new Option<string?>("--registry") { Description = $"Registry directory or file:// URI (default: ${ModelPublisher.RegistryVariable})" };
        var command = new Command("publish", "Verify a model folder and copy it into the model registry.") { model, registry };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(result, async () =>
        {
            var output = result.InvocationConfiguration.Output;
            var location = ModelPublisher.ResolveRegistryLocation(result.GetValue(registry))
                ?? throw new ArgumentException($"No model registry: pass --registry or set {ModelPublisher.RegistryVariable}.");
            var publisher = new ModelPublisher(new ModelRegistry(location), notifiers ?? []);
            var published = await publisher.PublishAsync(result.GetValue(model)!, cancellationToken);
            var manifest = published.Package.Manifest;
            output.WriteLine(published.Outcome == PublishOutcome.Published
                ? $"published {manifest.Version} ({manifest.Bits} bits, S = {manifest.InputSize}, sha256 {manifest.Onnx.Sha256}) to {published.Package.Directory}"
                : $"{manifest.Version} is already in the registry with the same content; nothing changed");
            return 0;
        }));
        return command;
    }
}
