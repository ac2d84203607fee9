using System.Text.Json;
using Mth.Encoding.Preprocessing;
using Mth.Train.Data;
using Mth.Train.Model;
using Mth.Train.Training;

namespace Mth.Train.Evaluation;

/// <summary>
/// Codes from a `fit` run folder before export: the network options and normalisation recorded
/// in its metrics.json, the weights of checkpoints/best.pt (the validation-selected epoch),
/// run by TorchSharp through the same InputBatchBuilder path as training.
/// </summary>
public sealed class CheckpointSetEncoder : ISetCoder
{
    public const string MetricsFile = "metrics.json";

    private readonly MthNetwork network;
    private readonly ImagePreprocessor preprocessor;
    private readonly int batchSize;

    private CheckpointSetEncoder(string name, MthNetwork network, ImagePreprocessor preprocessor, int batchSize)
    {
        Name = name;
        this.network = network;
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
    }

    public string Name { get; }

    public int Bits => network.Options.Bits;

    public string Description => $"checkpoint {Name}: {Bits} bits, input 3x{preprocessor.InputSize}x{preprocessor.InputSize}; TorchSharp (CPU)";

    /// <summary>Whether <paramref name="directory"/> looks like a fit run folder with a selected checkpoint.</summary>
    public static bool IsRunFolder(string directory) =>
        File.Exists(Path.Combine(directory, MetricsFile)) && File.Exists(Path.Combine(directory, "checkpoints", MthTrainer.BestCheckpoint));

    public static CheckpointSetEncoder Open(string runDirectory, int batchSize = 32)
    {
        var metricsPath = Path.Combine(runDirectory, MetricsFile);
        MthNetworkOptions? options;
        ChannelStatistics? statistics;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(metricsPath));
            options = document.RootElement.TryGetProperty("network", out var networkElement) ? networkElement.Deserialize<MthNetworkOptions>() : null;
            statistics = document.RootElement.TryGetProperty("normalisation", out var statisticsElement) ? statisticsElement.Deserialize<ChannelStatistics>() : null;
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"{metricsPath} is not readable: {exception.Message}", exception);
        }

        if (options is null || statistics is null)
        {
            throw new InvalidOperationException($"{metricsPath} does not record the network and normalisation of the run.");
        }

        options.Validate();
        var network = new MthNetwork(options);
        try
        {
            network.load(Path.Combine(runDirectory, "checkpoints", MthTrainer.BestCheckpoint));
            network.eval();
        }
        catch
        {
            network.Dispose();
            throw;
        }

        var preprocessor = new ImagePreprocessor(new PreprocessingOptions(options.InputSize, statistics.Mean, statistics.Std));
        return new CheckpointSetEncoder(Path.GetFileName(Path.GetFullPath(runDirectory).TrimEnd('/')), network, preprocessor, batchSize);
    }

    public Task<CodeSet> EncodeAsync(ImageSet set, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var builder = new InputBatchBuilder(set, new PreprocessedImageCache(set.Source, preprocessor, maxBytes: 0), preprocessor);
        log?.WriteLine($"encoding {set.Name}: {set.Count} images with the checkpoint…");
        var encoded = NetworkEncoder.Encode(network, new ImageSetInputs(builder), batchSize, cancellationToken);
        return Task.FromResult(CodeSet.FromHashOutputs(encoded.Bits, encoded.Hash, encoded.Count));
    }

    public void Dispose() => network.Dispose();
}
