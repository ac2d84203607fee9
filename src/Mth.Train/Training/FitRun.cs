using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mth.Encoding.Preprocessing;
using Mth.Train.Data;
using Mth.Train.Evaluation;
using Mth.Train.Export;
using Mth.Train.Loss;
using Mth.Train.Model;
using static TorchSharp.torch;

namespace Mth.Train.Training;

/// <summary>What a fit run produced: the history, the validation and test reports, and where the release is.</summary>
public sealed record FitResult(TrainingHistory History, RetrievalReport Validation, RetrievalReport? Test, string? ReleaseDirectory, double WallSeconds);

/// <summary>
/// `mth train fit`: split (seeded, stratified, recorded with hashes), cache and normalisation statistics from the
/// training split, training with model selection on the validation split only, final reports (validation, and the
/// held-out test split for reporting), metrics JSON and the exported ONNX model.
/// </summary>
public static class FitRun
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static async Task<FitResult> RunAsync(FitOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputDirectory);
        var split = await OpenSplitAsync(options, log, cancellationToken).ConfigureAwait(false);
        var source = split.Source;
        log.WriteLine($"data: {source.Description}");
        log.WriteLine($"split: train {split.Train.Count}, validation {split.Validation.Count}, test {split.Test.Count} (seed {split.Seed})");

        var network = options.Network with { Classes = source.ClassNames.Count };
        network.Validate();
        var resizeOnly = new ImagePreprocessor(PreprocessingOptions.Unnormalised(network.InputSize));
        var cache = new PreprocessedImageCache(source, resizeOnly);
        var warmClock = Stopwatch.StartNew();
        var everything = split.Train.SourceIndices.Concat(split.Validation.SourceIndices).Concat(split.Test.SourceIndices).ToArray();
        await cache.WarmAsync(everything, new Progress<(int Done, int Total)>(p =>
        {
            if (p.Done % 1000 == 0 || p.Done == p.Total) log.WriteLine($"decoding and resizing: {p.Done}/{p.Total}");
        }), cancellationToken).ConfigureAwait(false);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images ready in {warmClock.Elapsed.TotalSeconds:F0} s"));

        var trainSet = LabelledSubset(split.Train, options.LabelFraction, options.Training.Seed);
        var statistics = await ChannelStatistics.ComputeAsync(trainSet, cache, cancellationToken).ConfigureAwait(false);
        var preprocessing = new PreprocessingOptions(network.InputSize, statistics.Mean, statistics.Std);
        var preprocessor = new ImagePreprocessor(preprocessing);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"normalisation (training split): mean [{string.Join(", ", statistics.Mean.Select(m => m.ToString("F4", CultureInfo.InvariantCulture)))}] std [{string.Join(", ", statistics.Std.Select(s => s.ToString("F4", CultureInfo.InvariantCulture)))}]"));

        var train = new ImageSetInputs(new InputBatchBuilder(trainSet, cache, preprocessor, options.Augmentation));
        var database = new ImageSetInputs(new InputBatchBuilder(split.Train, cache, preprocessor));
        var validation = new ImageSetInputs(new InputBatchBuilder(split.Validation, cache, preprocessor));
        var test = new ImageSetInputs(new InputBatchBuilder(split.Test, cache, preprocessor));

        set_num_threads(options.Training.Threads);
        manual_seed(options.Training.Seed);
        using var model = new MthNetwork(network);
        log.WriteLine(model.Describe());
        var objective = new MthObjective(options.Loss, network.Bits);
        var trainer = new MthTrainer(model, objective, options.Training with { Augment = !options.Augmentation.IsIdentity }, log);
        log.WriteLine($"validation and reports encoded with {options.Training.ValidationRuntime}");
        var classNames = source.ClassNames;
        ValidationScorer scorer = options.ValidationDatabase == ValidationDatabase.Train
            ? (db, queries) => Evaluate(db, queries, classNames).MapAll
            : (_, queries) => LeaveOneOut(queries, classNames).MapAll;
        var history = trainer.Fit(train, options.ValidationDatabase == ValidationDatabase.Train ? database : validation, validation, scorer,
            Path.Combine(options.OutputDirectory, "checkpoints"), options.Resume, cancellationToken);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"selected epoch {history.BestEpoch} (validation mAP@all {history.BestValidationMapAll:F4}); training time {history.TotalTrainSeconds:F0} s"));

        var batch = options.Training.EncodeBatchSize;
        var runtime = options.Training.ValidationRuntime;
        int threads = options.Training.Threads;
        var databaseCodes = NetworkEncoder.Encode(model, database, batch, runtime, threads, cancellationToken);
        var validationReport = Evaluate(databaseCodes, NetworkEncoder.Encode(model, validation, batch, runtime, threads, cancellationToken), classNames);
        RetrievalReport? testReport = null;
        if (options.EvaluateTest && split.Test.Count > 0)
        {
            testReport = Evaluate(databaseCodes, NetworkEncoder.Encode(model, test, batch, runtime, threads, cancellationToken), classNames);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test (held out, database = training split): mAP@all {testReport.MapAll:F4} (tie-aware {testReport.TieAwareMapAll:F4}), mAP@100 {testReport.MapAtCutoff:F4}, P@10 {testReport.PrecisionAt[10]:F4}, distinct codes {testReport.DistinctDatabaseCodes}"));
        }

        WritePlots(options.OutputDirectory, history, validationReport, testReport);

        string? releaseDirectory = null;
        double? onnxAgreement = null;
        if (options.ReleaseName is { } name)
        {
            releaseDirectory = Path.Combine(options.OutputDirectory, name);
            var release = new ModelRelease(model, split, preprocessing, options, validationReport, testReport, history);
            onnxAgreement = await release.WriteAsync(releaseDirectory, test.Count > 0 ? test : validation, cancellationToken).ConfigureAwait(false);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"released {releaseDirectory}: ONNX Runtime and TorchSharp codes agree on {onnxAgreement:P3} of the bits"));
        }

        var result = new FitResult(history, validationReport, testReport, releaseDirectory, clock.Elapsed.TotalSeconds);
        var metrics = new
        {
            onnxSignAgreement = onnxAgreement,
            data = source.Description,
            split = new { seed = split.Seed, train = split.Train.Count, validation = split.Validation.Count, test = split.Test.Count,
                          hashes = Enum.GetValues<SplitPart>().ToDictionary(DatasetSplit.Name, split.PartHash) },
            network,
            loss = options.Loss,
            hashMargin = options.Loss.HashMarginFor(network.Bits),
            training = options.Training,
            augmentation = options.Augmentation,
            labelFraction = options.LabelFraction,
            normalisation = statistics,
            history,
            validation = validationReport,
            test = testReport,
            wallSeconds = result.WallSeconds,
        };
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "metrics.json"), JsonSerializer.Serialize(metrics, Json), cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static void WritePlots(string directory, TrainingHistory history, RetrievalReport validation, RetrievalReport? test)
    {
        var terms = history.Epochs.SelectMany(e => e.Loss.Keys).Distinct(StringComparer.Ordinal)
            .ToDictionary(term => term, term => (IReadOnlyList<double>)history.Epochs.Select(e => e.Loss.GetValueOrDefault(term)).ToList());
        Plots.TrainingCharts.WriteLossTerms(Path.Combine(directory, "loss.png"), terms);
        var validated = history.Epochs.Where(e => e.ValidationMapAll is not null).ToList();
        if (validated.Count > 0)
            Plots.TrainingCharts.WriteValidationMap(Path.Combine(directory, "validation-map.png"),
                new Dictionary<string, IReadOnlyList<double>> { ["validation mAP@all"] = validated.Select(e => e.ValidationMapAll!.Value).ToList() });
        var curves = new List<(string, IReadOnlyList<PrecisionRecallPoint>)> { ("validation", validation.PrecisionRecall) };
        if (test is not null) curves.Add(("test", test.PrecisionRecall));
        Plots.TrainingCharts.WritePrecisionRecall(Path.Combine(directory, "precision-recall.png"), curves);
    }

    private static async Task<DatasetSplit> OpenSplitAsync(FitOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var (location, _) = DataSources.SplitSpec(options.Data);
        if (location.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return await DatasetSplit.LoadAsync(location, cancellationToken: cancellationToken).ConfigureAwait(false);
        var splitPath = Path.Combine(options.OutputDirectory, "split.json");
        if (options.Resume && File.Exists(splitPath))
            return await DatasetSplit.LoadAsync(splitPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        var source = DataSources.OpenSource(options.Data);
        log.WriteLine($"hashing {source.Items.Count} items for the split…");
        var split = await DatasetSplit.CreateAsync(source, options.Fractions, options.SplitSeed, cancellationToken: cancellationToken).ConfigureAwait(false);
        await split.SaveAsync(splitPath, cancellationToken).ConfigureAwait(false);
        return split;
    }

    /// <summary>The training set with only a seeded share of each class's images (at least 2 per class).</summary>
    private static ImageSet LabelledSubset(ImageSet train, double fraction, long seed)
    {
        if (fraction >= 1) return train;
        if (fraction <= 0) throw new ArgumentException("the label fraction must be in (0, 1]");
        var random = new SeededRandom(unchecked((ulong)seed)).Fork(424_242);
        var kept = new List<int>();
        foreach (var positions in train.PositionsByClass)
        {
            var order = positions.ToArray();
            random.Shuffle(order.AsSpan());
            int keep = Math.Max(2, (int)Math.Round(order.Length * fraction));
            kept.AddRange(order.Take(keep).Select(train.SourceIndex));
        }
        kept.Sort();
        return new ImageSet(train.Source, kept, train.Name);
    }

    public static RetrievalReport Evaluate(EncodedSet database, EncodedSet queries, IReadOnlyList<string> classNames) =>
        RetrievalEvaluator.Evaluate(
            CodeSet.FromHashOutputs(database.Bits, database.Hash, database.Count), database.Labels,
            CodeSet.FromHashOutputs(queries.Bits, queries.Hash, queries.Count), queries.Labels, classNames);

    /// <summary>The validation split in two halves, each scored against the other, so no image ranks itself (a cheaper model-selection score).</summary>
    private static RetrievalReport LeaveOneOut(EncodedSet set, IReadOnlyList<string> classNames)
    {
        int half = set.Count / 2, bits = set.Bits;
        var first = new EncodedSet(set.Hash[..(half * bits)], bits, set.Labels.Take(half).ToArray());
        var second = new EncodedSet(set.Hash[(half * bits)..], bits, set.Labels.Skip(half).ToArray());
        var a = Evaluate(first, second, classNames);
        var b = Evaluate(second, first, classNames);
        return a with { MapAll = (a.MapAll * a.QueryCount + b.MapAll * b.QueryCount) / (a.QueryCount + b.QueryCount) };
    }
}
