using Mth.Encoding.Manifest;

namespace Mth.Standalone;

/// <summary>
/// Makes a fresh start usable without a training run: when the model registry holds no model, the default model
/// shipped with the program is published into it (sha256 verified on the way). The encoder then builds the first
/// index version with it, since no version is active yet (docs/encoder.md, bootstrap).
/// </summary>
internal static class DefaultModel
{
    /// <summary>The version published, or null when the registry already held a model.</summary>
    public static async Task<string?> PublishIfRegistryEmptyAsync(string registryLocation, string modelFolder, CancellationToken cancellationToken)
    {
        var registry = new ModelRegistry(registryLocation);
        if (registry.Versions().Count > 0)
        {
            return null;
        }

        if (!File.Exists(Path.Combine(modelFolder, ModelManifest.FileName)))
        {
            throw new FileNotFoundException(
                $"The model registry {registry.Root} is empty and the default model folder {modelFolder} has no {ModelManifest.FileName}: set Standalone:DefaultModel or publish a model (./mth train publish).");
        }

        var package = await ModelPackage.OpenAsync(modelFolder, cancellationToken).ConfigureAwait(false);
        var result = await registry.PublishAsync(package, cancellationToken).ConfigureAwait(false);
        return result.Package.Manifest.Version;
    }
}
