using System.Text.Json;
using System.Text.Json.Nodes;
using Mth.Encoding.Manifest;
using Mth.Encoding.Preprocessing;
using Mth.Train.Data;
using Mth.Train.Evaluation;
using Mth.Train.Model;
using Mth.Train.Training;
using OnnxHashEncoder = Mth.Encoding.Inference.HashEncoder;

namespace Mth.Train.Export;

/// <summary>
/// A released model folder: model.onnx (built from the weights) and manifest.json (the data side's
/// <see cref="ModelManifest"/>: version, k, S, preprocessing, classes, data and split hashes, metrics, training
/// configuration with every interpretation, sha256). Written, then reopened and run with ONNX Runtime to check it.
/// </summary>
public sealed class ModelRelease(MthNetwork network, DatasetSplit split, PreprocessingOptions preprocessing, FitOptions options,
    RetrievalReport validation, RetrievalReport? test, TrainingHistory history)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Images of the check set run through both runtimes (TorchSharp encoding is the slow side).</summary>
    public const int CheckImages = 300;

    /// <summary>Writes the folder; returns the share of sign bits on which ONNX Runtime agrees with TorchSharp over the first <see cref="CheckImages"/> of <paramref name="check"/>.</summary>
    public async Task<double> WriteAsync(string directory, ITrainingInputs check, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var o = network.Options;
        var onnxPath = Path.Combine(directory, "model.onnx");
        await File.WriteAllBytesAsync(onnxPath, MthOnnxExporter.Export(network), cancellationToken).ConfigureAwait(false);

        var metrics = new Dictionary<string, double>
        {
            ["validation.map_all"] = validation.MapAll,
            ["validation.map_100"] = validation.MapAtCutoff,
            ["validation.selected_epoch"] = history.BestEpoch,
            ["training.seconds"] = Math.Round(history.TotalTrainSeconds, 1),
        };
        if (test is not null)
        {
            metrics["test.map_all"] = test.MapAll;
            metrics["test.map_all_tie_aware"] = test.TieAwareMapAll;
            metrics["test.map_100"] = test.MapAtCutoff;
            foreach (var (cutoff, precision) in test.PrecisionAt) metrics[$"test.p_at_{cutoff}"] = precision;
        }

        var manifest = new ModelManifest
        {
            Version = options.ModelVersion,
            CreatedUtc = DateTimeOffset.UtcNow,
            Bits = o.Bits,
            InputSize = o.InputSize,
            Onnx = new OnnxModelInfo { Sha256 = new string('0', 64), Input = MthOnnxExporter.InputName, HashOutput = MthOnnxExporter.OutputName, Opset = MthOnnxExporter.Opset },
            Preprocessing = PreprocessingInfo.From(preprocessing),
            Classes = [.. split.Source.ClassNames],
            Data = new DataInfo
            {
                Description = options.DataDescription ?? split.Source.Description,
                Source = SourceName(split.Source.Location),
                SplitSeed = split.Seed,
                SplitHashes = Enum.GetValues<SplitPart>().ToDictionary(DatasetSplit.Name, split.PartHash),
                SplitCounts = Enum.GetValues<SplitPart>().ToDictionary(DatasetSplit.Name, part => split[part].Count),
            },
            Metrics = metrics,
            Training = TrainingConfiguration(),
        };
        var package = await ModelPackage.CreateAsync(directory, manifest, onnxPath, cancellationToken).ConfigureAwait(false);
        return CheckWithOnnxRuntime(package, check, cancellationToken);
    }

    /// <summary>The data's last two path segments (e.g. brain-tumor-mri/train): names it without this machine's folders.</summary>
    private static string SourceName(string location)
    {
        var path = Path.TrimEndingDirectorySeparator(DataSources.SplitSpec(location).Location);
        var segments = path.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        return string.Join('/', segments.TakeLast(2));
    }

    private JsonObject TrainingConfiguration()
    {
        var o = network.Options;
        var configuration = new JsonObject
        {
            ["model"] = "mth",
            ["network"] = JsonSerializer.SerializeToNode(o, Json),
            ["loss"] = JsonSerializer.SerializeToNode(options.Loss, Json),
            ["hash_margin_eta"] = options.Loss.HashMarginFor(o.Bits),
            ["optimisation"] = JsonSerializer.SerializeToNode(options.Training, Json),
            ["augmentation"] = JsonSerializer.SerializeToNode(options.Augmentation, Json),
            ["label_fraction"] = options.LabelFraction,
            ["selected_epoch"] = history.BestEpoch,
            ["selection"] = $"best validation mAP@all, database = {options.ValidationDatabase.ToString().ToLowerInvariant()} split",
            ["interpretations"] = new JsonObject
            {
                ["attention"] = "channel-domain self-attention: A_u = softmax(Q_u K_u^T / sqrt(N)) over channels, residual",
                ["feature_pool"] = $"adaptive average pool to {o.FeaturePool}x{o.FeaturePool} before the 1024-unit layer",
                ["final_norm"] = "BN + ReLU after the second dense block",
                ["feature_normalisation"] = options.Loss.NormalizeFeatures ? "deep features L2-normalised in their triplet term" : "raw deep features",
                ["class_losses"] = options.Loss.ClassLossForm == Loss.ClassLossForm.Batch ? "one cross-entropy over the batch (batch-formed triplets)" : "per-role weights theta_a/p/n",
                ["eta_default"] = "k/2",
            },
        };
        return configuration;
    }

    private double CheckWithOnnxRuntime(ModelPackage package, ITrainingInputs check, CancellationToken cancellationToken)
    {
        check = new FirstItems(check, Math.Min(CheckImages, check.Count));
        var torch = NetworkEncoder.Encode(network, check, 64, cancellationToken);
        using var encoder = OnnxHashEncoder.Open(package, new Mth.Encoding.Inference.HashEncoderOptions
        {
            ExecutionProvider = Mth.Encoding.Inference.ExecutionProviderPreference.Cpu,
        });
        int length = 3 * check.InputSize * check.InputSize, bits = network.Options.Bits, batch = 32;
        long agree = 0, total = 0;
        var buffer = new float[batch * length];
        for (int start = 0; start < check.Count; start += batch)
        {
            int n = Math.Min(batch, check.Count - start);
            check.Fill(Enumerable.Range(start, n).ToArray(), buffer.AsSpan(0, n * length), null);
            var hash = encoder.RunHashLayer(buffer.AsSpan(0, n * length), n, cancellationToken);
            for (int i = 0; i < n * bits; i++)
            {
                if (hash[i] >= 0 == torch.Hash[start * bits + i] >= 0) agree++;
                total++;
            }
        }
        return total == 0 ? 1 : agree / (double)total;
    }

    private sealed class FirstItems(ITrainingInputs inner, int count) : ITrainingInputs
    {
        public int Count => count;
        public IReadOnlyList<int> Labels => [.. inner.Labels.Take(count)];
        public int InputSize => inner.InputSize;
        public void Fill(ReadOnlySpan<int> indices, Span<float> destination, Data.SeededRandom? augmentation) => inner.Fill(indices, destination, augmentation);
    }
}
