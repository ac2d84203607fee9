using System.CommandLine;
using Mth.Encoding.Images;
using Mth.Encoding.Inference;
using Mth.Encoding.Manifest;
using Mth.Train.Data;
using Mth.Train.Evaluation;

namespace Mth.Train.Commands;

/// <summary>
/// <c>mth train evaluate --model M --database D --queries Q [--json]</c>: encodes both sets with a
/// released model (ONNX Runtime) and reports retrieval quality under the standard protocol.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = ModelOption();
        var database = new Option<string>("--database") { Description = "Database set: split.json#train (the protocol), a folder, file.npz[#parts] or labels .csv", Required = true };
        var queries = new Option<string>("--queries") { Description = "Query set: split.json#test (the protocol), or any data source", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on the last line (map_all, map_100, p_at_10, p_at_100, …)" };
        var outputFolder = new Option<string>("--out") { Description = "Folder for the precision-recall curve (CSV + PNG)", DefaultValueFactory = _ => "evaluation" };
        var tieSeed = new Option<ulong>("--tie-seed") { Description = "Seed of the tie-break permutation of the database", DefaultValueFactory = _ => RetrievalOptions.DefaultTieBreakSeed };
        var provider = ExecutionProviderOption();
        var batch = new Option<int>("--batch") { Description = "Images per ONNX Runtime call", DefaultValueFactory = _ => 32 };
        var command = new Command("evaluate", "Retrieval quality of a released model or a fit checkpoint: mAP@all, mAP@100, P@10, P@100, per-class mAP, PR curve.")
        {
            model, database, queries, json, outputFolder, tieSeed, provider, batch,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(result, async () =>
        {
            var output = result.InvocationConfiguration.Output;
            var log = result.GetValue(json) ? result.InvocationConfiguration.Error : output;
            using var coder = await OpenCoderAsync(result.GetValue(model)!, result.GetValue(provider), result.GetValue(batch), log, cancellationToken);
            var databaseSet = await DataSources.OpenSetAsync(result.GetValue(database)!, ImageDecoderChain.Default, cancellationToken);
            var querySet = await DataSources.OpenSetAsync(result.GetValue(queries)!, ImageDecoderChain.Default, cancellationToken);
            log.WriteLine($"database: {databaseSet.Description}");
            log.WriteLine($"queries:  {querySet.Description}");
            var databaseCodes = await coder.EncodeAsync(databaseSet, log, cancellationToken);
            var queryCodes = await coder.EncodeAsync(querySet, log, cancellationToken);
            var classes = ClassAlignment.Of(databaseSet, querySet);
            var report = RetrievalEvaluator.Evaluate(
                databaseCodes, classes.DatabaseLabels, queryCodes, classes.QueryLabels, classes.Names,
                new RetrievalOptions { TieBreakSeed = result.GetValue(tieSeed) }, cancellationToken);
            log.Write(ReportWriter.Describe(report));
            var (csv, png) = ReportWriter.WritePrecisionRecall(result.GetValue(outputFolder)!, "precision-recall", [(coder.Name, report)]);
            log.WriteLine($"precision-recall curve: {csv}, {png}");
            if (result.GetValue(json))
            {
                var line = ReportWriter.ToJson(report);
                line["model"] = coder.Name;
                output.WriteLine(line.ToJsonString());
            }

            return 0;
        }));
        return command;
    }

    internal static Option<string> ExecutionProviderOption() =>
        new("--provider") { Description = "ONNX Runtime execution provider: auto (CUDA when it loads, else CPU), cpu, cuda", DefaultValueFactory = _ => "auto" };

    internal static Option<string> ModelOption() =>
        new("--model") { Description = "Released model folder (manifest.json + model.onnx), or a `fit` run folder (metrics.json + checkpoints/best.pt)", Required = true };

    /// <summary>A released model through ONNX Runtime, or a fit run's selected checkpoint through TorchSharp.</summary>
    internal static async Task<ISetCoder> OpenCoderAsync(string model, string? provider, int batch, TextWriter log, CancellationToken cancellationToken)
    {
        ISetCoder coder = !File.Exists(Path.Combine(model, ModelManifest.FileName)) && CheckpointSetEncoder.IsRunFolder(model)
            ? CheckpointSetEncoder.Open(model, batch)
            : new OnnxSetEncoder(await OpenEncoderAsync(model, provider, batch, cancellationToken));
        log.WriteLine(coder.Description);
        return coder;
    }

    internal static async Task<HashEncoder> OpenEncoderAsync(string modelDirectory, string? provider, int batch, CancellationToken cancellationToken)
    {
        var package = await ModelPackage.OpenAsync(modelDirectory, cancellationToken);
        var preference = provider switch
        {
            "auto" or null => ExecutionProviderPreference.Automatic,
            "cpu" => ExecutionProviderPreference.Cpu,
            "cuda" => ExecutionProviderPreference.Cuda,
            _ => throw new ArgumentException($"Unknown execution provider '{provider}' (auto, cpu, cuda)."),
        };
        return HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = preference, MaxBatchSize = batch });
    }
}

/// <summary>Labels of two sets on one list of class names (matched by name; the database's order first).</summary>
internal sealed record ClassAlignment(IReadOnlyList<string> Names, int[] DatabaseLabels, int[] QueryLabels)
{
    public static ClassAlignment Of(ImageSet database, ImageSet queries)
    {
        var names = database.ClassNames.Concat(queries.ClassNames).Distinct(StringComparer.Ordinal).ToArray();
        var index = names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        return new ClassAlignment(
            names,
            database.Labels.Select(l => index[database.ClassNames[l]]).ToArray(),
            queries.Labels.Select(l => index[queries.ClassNames[l]]).ToArray());
    }
}
