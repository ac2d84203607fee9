namespace Mth.Encoding.Manifest;

/// <summary>What <see cref="ModelRegistry.PublishAsync"/> did.</summary>
public enum PublishOutcome
{
    /// <summary>The model was copied in.</summary>
    Published,

    /// <summary>The identical model (same manifest and ONNX bytes) was already there; nothing changed.</summary>
    AlreadyPresent,
}

/// <summary>The result of a publish: the outcome and the package as it now lies in the registry.</summary>
public sealed record PublishResult(PublishOutcome Outcome, ModelPackage Package);

/// <summary>
/// A directory of released models, one verified folder per version: &lt;root&gt;/&lt;version&gt;/
/// (model.onnx, manifest.json). Publishing copies into a hidden staging folder on the same
/// file system and renames it into place, so readers see a whole model or none; a version never
/// changes once published. Located by a path or a file:// URI.
/// </summary>
public sealed class ModelRegistry
{
    private const string StagingPrefix = ".incoming-";

    public ModelRegistry(string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        Root = Path.GetFullPath(ToPath(location));
    }

    public string Root { get; }

    /// <summary>A plain path, or a file:// URI (other schemes are not supported).</summary>
    public static string ToPath(string location)
    {
        if (location.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || !uri.IsFile)
            {
                throw new ModelManifestException($"Model registry '{location}': only directories and file:// URIs are supported.");
            }

            return uri.LocalPath;
        }

        return location;
    }

    /// <summary>Published versions (folders with a manifest), ordinal order.</summary>
    public IReadOnlyList<string> Versions() =>
        !Directory.Exists(Root)
            ? []
            : Directory.GetDirectories(Root)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(name => !name.StartsWith('.') && File.Exists(Path.Combine(Root, name, ModelManifest.FileName)))
                .Order(StringComparer.Ordinal)
                .ToArray();

    public Task<ModelPackage> OpenAsync(string version, CancellationToken cancellationToken = default) =>
        ModelPackage.OpenAsync(VersionDirectory(version), cancellationToken);

    public async Task<PublishResult> PublishAsync(ModelPackage package, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        var target = VersionDirectory(package.Manifest.Version);
        if (Directory.Exists(target))
        {
            return await CompareExistingAsync(package, target, cancellationToken).ConfigureAwait(false);
        }

        Directory.CreateDirectory(Root);
        var staging = Path.Combine(Root, StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            await CopyAsync(package.ModelPath, Path.Combine(staging, package.Manifest.Onnx.File), cancellationToken).ConfigureAwait(false);
            await CopyAsync(package.ManifestPath, Path.Combine(staging, ModelManifest.FileName), cancellationToken).ConfigureAwait(false);
            // Verify the copy before it becomes visible.
            await ModelPackage.OpenAsync(staging, cancellationToken).ConfigureAwait(false);
            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another publisher won the race; the result is the same as if it had been first.
                return await CompareExistingAsync(package, target, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return new PublishResult(PublishOutcome.Published, await ModelPackage.OpenAsync(target, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<PublishResult> CompareExistingAsync(ModelPackage package, string target, CancellationToken cancellationToken)
    {
        ModelPackage existing;
        try
        {
            existing = await ModelPackage.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelManifestException exception)
        {
            throw new ModelManifestException($"Version '{package.Manifest.Version}' already exists in the registry but is damaged: {exception.Message}", exception);
        }

        var sameManifest = string.Equals(
            await File.ReadAllTextAsync(existing.ManifestPath, cancellationToken).ConfigureAwait(false),
            await File.ReadAllTextAsync(package.ManifestPath, cancellationToken).ConfigureAwait(false),
            StringComparison.Ordinal);
        if (existing.Manifest.Onnx.Sha256 != package.Manifest.Onnx.Sha256 || !sameManifest)
        {
            throw new ModelManifestException(
                $"Version '{package.Manifest.Version}' is already published with different content (ONNX SHA-256 {existing.Manifest.Onnx.Sha256}); give the new model a new version.");
        }

        return new PublishResult(PublishOutcome.AlreadyPresent, existing);
    }

    private string VersionDirectory(string version)
    {
        // Versions are validated by the manifest; check again because this one may come from a caller.
        if (string.IsNullOrEmpty(version) || version.StartsWith('.') || version != Path.GetFileName(version) || version.Contains('/') || version.Contains('\\'))
        {
            throw new ModelManifestException($"'{version}' is not a model version.");
        }

        return Path.Combine(Root, version);
    }

    private static async Task CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        output.Flush(flushToDisk: true);
    }
}
