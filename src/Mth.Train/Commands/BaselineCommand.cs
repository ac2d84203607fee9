using System.CommandLine;
using System.Diagnostics;
using Mth.Encoding.Preprocessing;
using Mth.Train.Baselines;
using Mth.Train.Data;
using Mth.Train.Evaluation;

namespace Mth.Train.Commands;

/// <summary>
/// <c>mth train baseline --method lsh|itq --data D</c>: a non-learned hashing of pixels in the same
/// harness as the trained models: same split (seed and fractions as `fit`), same preprocessing
/// (normalisation from the training split), database = training split, queries = test split.
/// </summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var method = new Option<string>("--method") { Description = "lsh (random hyperplanes) | itq (PCA + iterative quantisation)", DefaultValueFactory = _ => "lsh" };
        var data = new Option<string>("--data") { Description = "A split .json (reused), or a data source to split like `fit` does", Required = true };
        var fractions = new Option<string>("--split") { Description = "Train/validation/test fractions per class", DefaultValueFactory = _ => "0.7/0.1/0.2" };
        var splitSeed = new Option<ulong>("--split-seed") { Description = "Seed of the stratified split", DefaultValueFactory = _ => 1UL };
        var size = new Option<int>("--size") { Description = "Input size S", DefaultValueFactory = _ => 64 };
        var bits = new Option<int>("--bits") { Description = "Code length k", DefaultValueFactory = _ => 48 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the hyperplanes / PCA and rotation start", DefaultValueFactory = _ => 1UL };
        var queries = new Option<string>("--queries") { Description = "test (held out) | validation", DefaultValueFactory = _ => "test" };
        var outputFolder = new Option<string>("--out") { Description = "Folder for split.json (when made here) and the PR curve", DefaultValueFactory = _ => "runs/baseline" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on the last line" };
        var command = new Command("baseline", "Random-hyperplane LSH or ITQ on pixels, evaluated with the standard protocol.")
        {
            method, data, fractions, splitSeed, size, bits, seed, queries, outputFolder, json,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(result, async () =>
        {
            var output = result.InvocationConfiguration.Output;
            var log = result.GetValue(json) ? result.InvocationConfiguration.Error : output;
            var clock = Stopwatch.StartNew();
            var folder = result.GetValue(outputFolder)!;
            var split = await OpenSplitAsync(result.GetValue(data)!, SplitFractions.Parse(result.GetValue(fractions)!), result.GetValue(splitSeed), folder, log, cancellationToken);
            var querySet = split[DatasetSplit.ParsePart(result.GetValue(queries)!)];
            log.WriteLine($"{split.Source.Description}; train {split.Train.Count}, {querySet.Name} {querySet.Count}");

            var inputSize = result.GetValue(size);
            var cache = new PreprocessedImageCache(split.Source, new ImagePreprocessor(PreprocessingOptions.Unnormalised(inputSize)));
            await cache.WarmAsync(split.Train.SourceIndices, cancellationToken: cancellationToken);
            var statistics = await ChannelStatistics.ComputeAsync(split.Train, cache, cancellationToken);
            var preprocessor = new ImagePreprocessor(new PreprocessingOptions(inputSize, statistics.Mean, statistics.Std));
            var trainFeatures = await PixelFeatures.ExtractAsync(new InputBatchBuilder(split.Train, cache, preprocessor), cancellationToken: cancellationToken);
            var queryFeatures = await PixelFeatures.ExtractAsync(new InputBatchBuilder(querySet, cache, preprocessor), cancellationToken: cancellationToken);
            log.WriteLine(FormattableString.Invariant($"features: {preprocessor.InputLength} per image, {clock.Elapsed.TotalSeconds:F1} s"));

            var k = result.GetValue(bits);
            IPixelHashing hashing = result.GetValue(method) switch
            {
                "lsh" => RandomHyperplaneLsh.Fit(trainFeatures, split.Train.Count, preprocessor.InputLength, k, result.GetValue(seed)),
                "itq" => IterativeQuantisation.Fit(trainFeatures, split.Train.Count, preprocessor.InputLength, k, result.GetValue(seed)),
                var other => throw new ArgumentException($"Unknown baseline '{other}' (lsh, itq)."),
            };
            var report = RetrievalEvaluator.Evaluate(
                hashing.Encode(trainFeatures, split.Train.Count), split.Train.Labels,
                hashing.Encode(queryFeatures, querySet.Count), querySet.Labels, split.Source.ClassNames,
                cancellationToken: cancellationToken);
            log.Write(ReportWriter.Describe(report));
            var (csv, png) = ReportWriter.WritePrecisionRecall(folder, $"precision-recall-{hashing.Name}-{k}", [($"{hashing.Name} {k} bits", report)]);
            log.WriteLine(FormattableString.Invariant($"precision-recall curve: {csv}, {png}; {clock.Elapsed.TotalSeconds:F1} s in all"));
            if (result.GetValue(json))
            {
                var line = ReportWriter.ToJson(report);
                line["method"] = hashing.Name;
                line["input_size"] = inputSize;
                line["seconds"] = clock.Elapsed.TotalSeconds;
                output.WriteLine(line.ToJsonString());
            }

            return 0;
        }));
        return command;
    }

    /// <summary>A split file as it is, or a new split of a source saved as &lt;out&gt;/split.json (same defaults as fit).</summary>
    private static async Task<DatasetSplit> OpenSplitAsync(string data, SplitFractions fractions, ulong seed, string folder, TextWriter log, CancellationToken cancellationToken)
    {
        var (location, _) = DataSources.SplitSpec(data);
        if (location.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return await DatasetSplit.LoadAsync(location, cancellationToken: cancellationToken);
        }

        var source = DataSources.OpenSource(data);
        var split = await DatasetSplit.CreateAsync(source, fractions, seed, cancellationToken: cancellationToken);
        var path = Path.Combine(folder, "split.json");
        await split.SaveAsync(path, cancellationToken);
        log.WriteLine($"split (seed {seed}) written to {path}");
        return split;
    }
}
