using System.CommandLine;
using System.Globalization;
using Mth.Train.Data;
using Mth.Train.Loss;
using Mth.Train.Model;
using Mth.Train.Training;

namespace Mth.Train.Commands;

/// <summary><c>mth train fit</c>: train MTH (or an ablation, or a baseline on the same backbone) and release it.</summary>
internal static class FitCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data: folder of class folders, file.npz[#parts], labels .csv, or a split .json to reuse" };
        var output = new Option<string>("--out") { Description = "Output folder: split.json, checkpoints/, metrics.json, the released model", DefaultValueFactory = _ => "runs/fit" };
        var fractions = new Option<string>("--split") { Description = "Train/validation/test fractions per class", DefaultValueFactory = _ => "0.7/0.1/0.2" };
        var splitSeed = new Option<ulong>("--split-seed") { Description = "Seed of the stratified split", DefaultValueFactory = _ => 1UL };
        var size = new Option<int>("--size") { Description = "Input size S (paper: 256)", DefaultValueFactory = _ => 64 };
        var bits = new Option<int>("--bits") { Description = "Code length k", DefaultValueFactory = _ => 48 };
        var classes = new Option<int>("--classes") { Description = "Classes (only for --describe; training takes them from the data)", DefaultValueFactory = _ => 4 };
        var branches = new Option<string>("--branches") { Description = "Kernel sizes of the multi-scale branches", DefaultValueFactory = _ => "1,3,5" };
        var singleScale = new Option<int?>("--single-scale") { Description = "Ablation: one branch with this kernel size (e.g. 3)" };
        var noAttention = new Option<bool>("--no-attention") { Description = "Ablation: no channel self-attention" };
        var heads = new Option<int>("--heads") { Description = "Attention heads U", DefaultValueFactory = _ => 4 };
        var pool = new Option<int>("--pool") { Description = "Adaptive average pool side P before the FC layer", DefaultValueFactory = _ => 4 };
        var featureSize = new Option<int>("--feature-size") { Description = "Units of the deep-feature layer", DefaultValueFactory = _ => 1024 };
        var objective = new Option<string>("--objective") { Description = "mth | pairwise (DPSH-style baseline) | triplet-codes (codes-only triplet baseline)", DefaultValueFactory = _ => "mth" };
        var eta = new Option<double?>("--eta") { Description = "Margin of the hash-code triplet term (default k/2)" };
        var delta = new Option<double>("--delta") { Description = "Margin of the deep-feature triplet term", DefaultValueFactory = _ => 0.5 };
        var wh = new Option<double>("--wh") { Description = "Weight w_h of the hash-code triplet term", DefaultValueFactory = _ => 1.0 };
        var wd = new Option<double>("--wd") { Description = "Weight w_d of the deep-feature triplet term", DefaultValueFactory = _ => 1.0 };
        var noDeep = new Option<bool>("--no-deep-term") { Description = "Ablation: w_d = 0" };
        var rawFeatures = new Option<bool>("--raw-features") { Description = "Do not L2-normalise deep features in their triplet term" };
        var alpha = new Option<double>("--alpha") { Description = "Weight of L_s", DefaultValueFactory = _ => 3.0 };
        var beta = new Option<double>("--beta") { Description = "Weight of L_c", DefaultValueFactory = _ => 3.0 };
        var noSemantic = new Option<bool>("--no-semantic") { Description = "Ablation: alpha = 0 (no L_s)" };
        var noCategory = new Option<bool>("--no-category") { Description = "Ablation: beta = 0 (no L_c)" };
        var classLoss = new Option<string>("--class-loss") { Description = "batch (one CE over the batch) | roles (theta_a/p/n over triplets)", DefaultValueFactory = _ => "batch" };
        var thetaA = new Option<double>("--theta-a") { Description = "Anchor weight (roles form)", DefaultValueFactory = _ => 1.0 };
        var thetaP = new Option<double>("--theta-p") { Description = "Positive weight (roles form)", DefaultValueFactory = _ => 1.0 };
        var thetaN = new Option<double>("--theta-n") { Description = "Negative weight (roles form)", DefaultValueFactory = _ => 1.0 };
        var quantization = new Option<double>("--quantization") { Description = "Quantisation weight of the pairwise baseline", DefaultValueFactory = _ => 0.1 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs", DefaultValueFactory = _ => 5 };
        var p = new Option<int>("--p") { Description = "Classes per batch P", DefaultValueFactory = _ => 4 };
        var k = new Option<int>("--k") { Description = "Images per class K", DefaultValueFactory = _ => 8 };
        var batchesPerEpoch = new Option<int?>("--batches-per-epoch") { Description = "Batches per epoch (default: training images / (P K))" };
        var mining = new Option<string>("--mining") { Description = "batch-all | semi-hard", DefaultValueFactory = _ => "batch-all" };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Adam weight decay", DefaultValueFactory = _ => 0.0 };
        var schedule = new Option<string>("--schedule") { Description = "cosine | constant", DefaultValueFactory = _ => "cosine" };
        var seed = new Option<long>("--seed") { Description = "Seed of initialisation, batches and augmentation", DefaultValueFactory = _ => 1L };
        var threads = new Option<int>("--threads") { Description = "Torch threads", DefaultValueFactory = _ => 2 };
        var augment = new Option<string>("--augment") { Description = "none | standard (flip, shift, rotation, zoom, intensity)", DefaultValueFactory = _ => "none" };
        var validationDatabase = new Option<string>("--validation-database") { Description = "train (protocol) | validation (halves, cheaper)", DefaultValueFactory = _ => "train" };
        var labelFraction = new Option<double>("--label-fraction") { Description = "Share of labelled training images used (fewer-labels experiments)", DefaultValueFactory = _ => 1.0 };
        var resume = new Option<bool>("--resume") { Description = "Continue from the last checkpoint in --out" };
        var release = new Option<string?>("--release") { Description = "Write a released model folder with this name under --out (model.onnx + manifest.json)" };
        var version = new Option<string>("--model-version") { Description = "Version recorded in the released model", DefaultValueFactory = _ => "1" };
        var describe = new Option<bool>("--describe") { Description = "Print parameter counts and per-module output shapes, then stop" };
        var encodeWith = new Option<string>("--encode-with") { Description = "Runtime for validation and report encoding: onnx (ONNX Runtime on the exported weights, faster) | torch", DefaultValueFactory = _ => "onnx" };
        var noTest = new Option<bool>("--no-test") { Description = "Do not score the held-out test split at the end" };

        var command = new Command("fit", "Train the MTH network (ablations and baselines by option), select on validation, export ONNX.")
        {
            data, output, fractions, splitSeed, size, bits, classes, branches, singleScale, noAttention, heads, pool, featureSize,
            objective, eta, delta, wh, wd, noDeep, rawFeatures, alpha, beta, noSemantic, noCategory, classLoss, thetaA, thetaP, thetaN,
            quantization, epochs, p, k, batchesPerEpoch, mining, lr, weightDecay, schedule, seed, threads, augment, validationDatabase,
            labelFraction, resume, release, version, describe, noTest, encodeWith,
        };

        command.SetAction(async (result, cancellationToken) =>
        {
            var network = new MthNetworkOptions
            {
                InputSize = result.GetValue(size),
                Bits = result.GetValue(bits),
                Classes = result.GetValue(classes),
                BranchKernels = result.GetValue(singleScale) is { } kernel ? [kernel] : ParseInts(result.GetValue(branches)!),
                UseAttention = !result.GetValue(noAttention),
                AttentionHeads = result.GetValue(heads),
                FeaturePool = result.GetValue(pool),
                FeatureSize = result.GetValue(featureSize),
            };
            network.Validate();
            if (result.GetValue(describe))
            {
                using var model = new MthNetwork(network);
                Console.WriteLine(model.Describe());
                return 0;
            }

            var loss = new LossOptions
            {
                Objective = result.GetValue(objective) switch
                {
                    "mth" => Objective.Mth,
                    "pairwise" => Objective.Pairwise,
                    "triplet-codes" => Objective.TripletCodes,
                    var other => throw new ArgumentException($"unknown objective '{other}'"),
                },
                HashMargin = result.GetValue(eta),
                FeatureMargin = result.GetValue(delta),
                HashWeight = result.GetValue(wh),
                FeatureWeight = result.GetValue(noDeep) ? 0 : result.GetValue(wd),
                NormalizeFeatures = !result.GetValue(rawFeatures),
                SemanticWeight = result.GetValue(noSemantic) ? 0 : result.GetValue(alpha),
                CategoryWeight = result.GetValue(noCategory) ? 0 : result.GetValue(beta),
                ClassLossForm = result.GetValue(classLoss) == "roles" ? ClassLossForm.Roles : ClassLossForm.Batch,
                AnchorWeight = result.GetValue(thetaA),
                PositiveWeight = result.GetValue(thetaP),
                NegativeWeight = result.GetValue(thetaN),
                QuantizationWeight = result.GetValue(quantization),
            };
            var training = new TrainingOptions
            {
                Epochs = result.GetValue(epochs),
                ClassesPerBatch = result.GetValue(p),
                ImagesPerClass = result.GetValue(k),
                BatchesPerEpoch = result.GetValue(batchesPerEpoch),
                Mining = result.GetValue(mining) switch
                {
                    "batch-all" => TripletMining.BatchAll,
                    "semi-hard" => TripletMining.SemiHard,
                    var other => throw new ArgumentException($"unknown mining '{other}'"),
                },
                LearningRate = result.GetValue(lr),
                WeightDecay = result.GetValue(weightDecay),
                Schedule = result.GetValue(schedule) == "constant" ? LearningRateSchedule.Constant : LearningRateSchedule.Cosine,
                Seed = result.GetValue(seed),
                Threads = result.GetValue(threads),
                ValidationRuntime = result.GetValue(encodeWith) == "torch" ? EncodingRuntime.Torch : EncodingRuntime.OnnxRuntime,
            };
            var dataSpec = result.GetValue(data) ?? throw new ArgumentException("--data is required");
            var options = new FitOptions
            {
                Data = dataSpec,
                OutputDirectory = result.GetValue(output)!,
                Fractions = SplitFractions.Parse(result.GetValue(fractions)!),
                SplitSeed = result.GetValue(splitSeed),
                Network = network,
                Loss = loss,
                Training = training,
                Augmentation = result.GetValue(augment) == "standard" ? AugmentationOptions.Standard : AugmentationOptions.None,
                ValidationDatabase = result.GetValue(validationDatabase) == "validation" ? ValidationDatabase.Validation : ValidationDatabase.Train,
                LabelFraction = result.GetValue(labelFraction),
                EvaluateTest = !result.GetValue(noTest),
                Resume = result.GetValue(resume),
                ReleaseName = result.GetValue(release),
                ModelVersion = result.GetValue(version)!,
            };
            var fit = await FitRun.RunAsync(options, Console.Out, cancellationToken);
            string test = fit.Test is { } t ? string.Create(CultureInfo.InvariantCulture, $", test mAP@all {t.MapAll:F4}") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done in {fit.WallSeconds:F0} s: validation mAP@all {fit.Validation.MapAll:F4}{test}"));
            return 0;
        });
        return command;
    }

    private static int[] ParseInts(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
}
