using System.Security.Cryptography;

namespace Mth.Encoding.Manifest;

/// <summary>
/// A released model folder (model.onnx + manifest.json) that has been checked: the manifest is
/// valid and the ONNX file's SHA-256 is the one the manifest names. Only checked packages are
/// loaded by the encoder or published.
/// </summary>
public sealed class ModelPackage
{
    private ModelPackage(string directory, ModelManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public string ManifestPath => Path.Combine(Directory, ModelManifest.FileName);

    public string ModelPath => Path.Combine(Directory, Manifest.Onnx.File);

    /// <summary>Reads, validates and verifies a model folder.</summary>
    public static async Task<ModelPackage> OpenAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new ModelManifestException($"Model folder '{directory}' does not exist.");
        }

        var manifest = await ModelManifest.ReadAsync(Path.Combine(full, ModelManifest.FileName), cancellationToken).ConfigureAwait(false);
        var package = new ModelPackage(full, manifest);
        if (!File.Exists(package.ModelPath))
        {
            throw new ModelManifestException($"Model folder '{directory}' has no {manifest.Onnx.File}.");
        }

        var actual = await Sha256Async(package.ModelPath, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(actual, manifest.Onnx.Sha256, StringComparison.Ordinal))
        {
            throw new ModelManifestException(
                $"{package.ModelPath}: SHA-256 is {actual} but the manifest says {manifest.Onnx.Sha256}; the file is damaged or not this model.");
        }

        return package;
    }

    /// <summary>
    /// Writes a model folder: copies the ONNX file in, records its SHA-256 in the manifest and
    /// writes manifest.json; returns the verified package.
    /// </summary>
    public static async Task<ModelPackage> CreateAsync(string directory, ModelManifest manifest, string onnxPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        System.IO.Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, manifest.Onnx.File);
        if (!string.Equals(Path.GetFullPath(onnxPath), Path.GetFullPath(target), StringComparison.Ordinal))
        {
            File.Copy(onnxPath, target, overwrite: true);
        }

        var sha = await Sha256Async(target, cancellationToken).ConfigureAwait(false);
        var complete = manifest with { Onnx = manifest.Onnx with { Sha256 = sha } };
        await complete.WriteAsync(Path.Combine(directory, ModelManifest.FileName), cancellationToken).ConfigureAwait(false);
        return await OpenAsync(directory, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
