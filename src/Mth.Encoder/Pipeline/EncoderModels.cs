using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;

namespace Mth.Encoder.Pipeline;

/// <summary>
/// The models this encoder has loaded, by version, from the model registry. Loading verifies the ONNX
/// file's SHA-256 against the manifest (<see cref="ModelPackage"/>) and, when a release message named one,
/// against the message's; a model that fails to load is not cached, so a later call tries again.
/// Each load logs the execution provider in use (CUDA when it loads, CPU otherwise) once.
/// </summary>
internal sealed partial class EncoderModels(ModelRegistry registry, HashEncoderOptions options, ILogger<EncoderModels> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<HashEncoder>>> _loaded = new(StringComparer.Ordinal);

    public ModelRegistry Registry => registry;

    public async Task<HashEncoder> GetAsync(string version, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        var lazy = _loaded.GetOrAdd(version, v => new Lazy<Task<HashEncoder>>(() => LoadAsync(v)));
        HashEncoder model;
        try
        {
            model = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _loaded.TryRemove(new KeyValuePair<string, Lazy<Task<HashEncoder>>>(version, lazy));
            throw;
        }

        if (expectedSha256 is not null && !string.Equals(model.Manifest.Onnx.Sha256, expectedSha256, StringComparison.Ordinal))
        {
            throw new ModelManifestException(
                $"Model {version} in the registry has SHA-256 {model.Manifest.Onnx.Sha256}, the release announced {expectedSha256}: refused.");
        }

        return model;
    }

    /// <summary>The registry's newest model: latest created_utc, then the greatest version name; null when the registry is empty.</summary>
    public async Task<string?> NewestVersionAsync(CancellationToken cancellationToken)
    {
        var candidates = new List<(DateTimeOffset Created, string Version)>();
        foreach (var version in registry.Versions())
        {
            try
            {
                var manifest = await ModelManifest.ReadAsync(Path.Combine(registry.Root, version, ModelManifest.FileName), cancellationToken).ConfigureAwait(false);
                candidates.Add((manifest.CreatedUtc ?? DateTimeOffset.MinValue, version));
            }
            catch (ModelManifestException exception)
            {
                LogUnusableModel(version, exception.Message);
            }
        }

        return candidates.OrderBy(c => c.Created).ThenBy(c => c.Version, StringComparer.Ordinal).Select(c => c.Version).LastOrDefault();
    }

    /// <summary>Forgets a model whose index version is gone; disposed a minute later, when no batch can still use it.</summary>
    public void Evict(string version)
    {
        if (_loaded.TryRemove(version, out var lazy) && lazy.IsValueCreated)
        {
            _ = Task.Delay(TimeSpan.FromMinutes(1)).ContinueWith(_ =>
            {
                if (lazy.Value.IsCompletedSuccessfully)
                {
                    lazy.Value.Result.Dispose();
                }
            }, TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _loaded.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }

        _loaded.Clear();
    }

    private async Task<HashEncoder> LoadAsync(string version)
    {
        var package = await registry.OpenAsync(version).ConfigureAwait(false);
        if (!string.Equals(package.Manifest.Version, version, StringComparison.Ordinal))
        {
            throw new ModelManifestException($"The registry folder {version} holds model {package.Manifest.Version}.");
        }

        var model = await Task.Run(() => HashEncoder.Open(package, options)).ConfigureAwait(false);
        LogModelLoaded(version, model.Bits, model.Manifest.InputSize, model.ExecutionProviderReport);
        return model;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelVersion} loaded ({Bits} bits, S = {InputSize}): {ExecutionProvider}")]
    private partial void LogModelLoaded(string modelVersion, int bits, int inputSize, string executionProvider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry folder {ModelVersion} is not a usable model: {Reason}")]
    private partial void LogUnusableModel(string modelVersion, string reason);
}
