using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mth.Train.Data;
using Mth.Train.Loss;
using Mth.Train.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mth.Train.Training;

/// <summary>Scores validation codes against database codes (mAP over the whole ranking); higher is better.</summary>
public delegate double ValidationScorer(EncodedSet database, EncodedSet queries);

/// <summary>
/// The training loop: P x K batches, triplets mined inside each batch, Adam with a per-step schedule, progress lines
/// (epoch, step, loss terms, images/s, ETA), a checkpoint after every epoch (resumable), and model selection on the
/// validation split only (the best validated epoch is kept as best.pt).
/// </summary>
public sealed class MthTrainer
{
    public const string LastCheckpoint = "last.pt";
    public const string BestCheckpoint = "best.pt";
    public const string OptimizerState = "last.optim";
    public const string HistoryFile = "history.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly MthNetwork network;
    private readonly MthObjective objective;
    private readonly TrainingOptions options;
    private readonly TextWriter progress;

    public MthTrainer(MthNetwork network, MthObjective objective, TrainingOptions options, TextWriter progress)
    {
        options.Validate();
        this.network = network;
        this.objective = objective;
        this.options = options;
        this.progress = progress;
    }

    /// <summary>
    /// Trains on <paramref name="train"/>; after each validated epoch encodes <paramref name="database"/> and
    /// <paramref name="validation"/> and scores them. Checkpoints go to <paramref name="checkpointDirectory"/>;
    /// with <paramref name="resume"/> a run continues from the last checkpoint there. On return the network holds
    /// the best validated weights.
    /// </summary>
    public TrainingHistory Fit(ITrainingInputs train, ITrainingInputs database, ITrainingInputs validation, ValidationScorer scorer,
        string checkpointDirectory, bool resume, CancellationToken cancellationToken = default)
    {
        set_num_threads(options.Threads);
        Directory.CreateDirectory(checkpointDirectory);
        var sampler = new ClassBalancedBatchSampler(train.Labels, options.ClassesPerBatch, options.ImagesPerClass);
        int batchesPerEpoch = options.BatchesPerEpoch ?? sampler.DefaultBatchesPerEpoch;
        long totalSteps = (long)batchesPerEpoch * options.Epochs;
        var seed = new SeededRandom(options.Seed);
        using var optimizer = optim.Adam(network.parameters(), options.LearningRate, weight_decay: options.WeightDecay);

        var history = new TrainingHistory();
        string historyPath = Path.Combine(checkpointDirectory, HistoryFile);
        if (resume && File.Exists(historyPath))
        {
            history = JsonSerializer.Deserialize<TrainingHistory>(File.ReadAllText(historyPath), Json)
                      ?? throw new InvalidDataException($"{historyPath} is empty");
            network.load(Path.Combine(checkpointDirectory, LastCheckpoint));
            optimizer.load_state_dict(Path.Combine(checkpointDirectory, OptimizerState));
            progress.WriteLine($"resuming after epoch {history.CompletedEpochs} of {options.Epochs}");
        }

        int size = train.InputSize, length = 3 * size * size, batchSize = sampler.BatchSize;
        var batch = new float[batchSize * length];
        var runClock = Stopwatch.StartNew();
        long stepsDoneThisRun = 0;
        double validationSecondsEstimate = history.Epochs.LastOrDefault(e => e.ValidationSeconds is not null)?.ValidationSeconds ?? 0;

        for (int epoch = history.CompletedEpochs + 1; epoch <= options.Epochs; epoch++)
        {
            network.train();
            var batches = sampler.Epoch(seed, epoch, batchesPerEpoch);
            var augmentation = options.Augment ? seed.Fork(1_000_000UL + (ulong)epoch) : null;
            var sums = new Dictionary<string, double>();
            var epochClock = Stopwatch.StartNew();
            double lr = options.LearningRate;
            for (int step = 0; step < batches.Count; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long globalStep = (long)(epoch - 1) * batchesPerEpoch + step;
                lr = options.LearningRateAt(globalStep, totalSteps);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

                var indices = batches[step];
                train.Fill(indices, batch, augmentation);
                var labels = indices.Select(i => train.Labels[i]).ToArray();
                using (var scope = NewDisposeScope())
                {
                    var x = tensor(batch, [batchSize, 3, size, size]);
                    var y = tensor(labels.Select(l => (long)l).ToArray(), ScalarType.Int64);
                    optimizer.zero_grad();
                    using var output = network.call(x);
                    using var triplets = Mine(labels, output);
                    using var loss = objective.Compute(output, y, triplets);
                    loss.Total.backward();
                    optimizer.step();
                    foreach (var (name, value) in loss.Terms) sums[name] = sums.GetValueOrDefault(name) + value;
                }
                stepsDoneThisRun++;
                if ((step + 1) % options.ProgressEvery == 0 || step + 1 == batches.Count)
                {
                    double trainRate = (step + 1) * (double)batchSize / epochClock.Elapsed.TotalSeconds;
                    double secondsPerStep = runClock.Elapsed.TotalSeconds / stepsDoneThisRun;
                    long stepsLeft = totalSteps - globalStep - 1;
                    int validationsLeft = options.Epochs - epoch + 1;
                    var eta = TimeSpan.FromSeconds(stepsLeft * secondsPerStep + validationsLeft * validationSecondsEstimate);
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {epoch}/{options.Epochs} step {step + 1}/{batches.Count} " +
                        $"loss {string.Join(" ", sums.Select(kv => $"{kv.Key} {kv.Value / (step + 1):F4}"))} " +
                        $"lr {lr:G3} {trainRate:F1} img/s ETA {eta:hh\\:mm\\:ss}"));
                }
            }
            double trainSeconds = epochClock.Elapsed.TotalSeconds;
            var record = new EpochRecord
            {
                Epoch = epoch,
                Loss = sums.ToDictionary(kv => kv.Key, kv => kv.Value / batches.Count),
                LearningRate = lr,
                ImagesPerSecond = batches.Count * (double)batchSize / trainSeconds,
                TrainSeconds = trainSeconds,
            };

            if (epoch % options.ValidateEvery == 0 || epoch == options.Epochs)
            {
                var validationClock = Stopwatch.StartNew();
                var databaseCodes = NetworkEncoder.Encode(network, database, options.EncodeBatchSize, options.ValidationRuntime, options.Threads, cancellationToken);
                var queryCodes = NetworkEncoder.Encode(network, validation, options.EncodeBatchSize, options.ValidationRuntime, options.Threads, cancellationToken);
                double score = scorer(databaseCodes, queryCodes);
                validationSecondsEstimate = validationClock.Elapsed.TotalSeconds;
                record = record with { ValidationMapAll = score, ValidationSeconds = validationSecondsEstimate };
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch}/{options.Epochs} validation mAP@all {score:F4} ({validationSecondsEstimate:F0} s)"));
                if (score > history.BestValidationMapAll)
                {
                    history.BestValidationMapAll = score;
                    history.BestEpoch = epoch;
                    network.save(Path.Combine(checkpointDirectory, BestCheckpoint));
                }
            }
            history.Epochs.Add(record);
            network.save(Path.Combine(checkpointDirectory, LastCheckpoint));
            optimizer.save_state_dict(Path.Combine(checkpointDirectory, OptimizerState));
            File.WriteAllText(historyPath, JsonSerializer.Serialize(history, Json));
        }

        string best = Path.Combine(checkpointDirectory, BestCheckpoint);
        if (File.Exists(best)) network.load(best);
        network.eval();
        return history;
    }

    private TripletIndices? Mine(int[] labels, MthOutput output)
    {
        if (!objective.UsesTriplets) return null;
        if (options.Mining == TripletMining.BatchAll) return TripletMiner.BatchAll(labels);
        using var noGrad = no_grad();
        using var distances = PairwiseDistances.Squared(output.Hash.detach());
        return TripletMiner.SemiHard(labels, distances);
    }
}
