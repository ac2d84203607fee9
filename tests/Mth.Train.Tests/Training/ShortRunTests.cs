using Mth.Train.Evaluation;
using Mth.Train.Loss;
using Mth.Train.Model;
using Mth.Train.Tests.Fixtures;
using Mth.Train.Training;
using static TorchSharp.torch;

namespace Mth.Train.Tests.Training;

public sealed class ShortRunTests
{
    private static readonly string[] ClassNames = ["a", "b", "c", "d"];

    [Theory]
    [InlineData(Objective.Mth, TripletMining.BatchAll)]
    [InlineData(Objective.Mth, TripletMining.SemiHard)]
    [InlineData(Objective.Pairwise, TripletMining.BatchAll)]
    public void A_short_run_on_an_easy_generated_set_retrieves_unseen_queries_with_high_mAP(Objective objective, TripletMining mining)
    {
        var train = new GeneratedImages(192, 4, 16, 101UL);
        var validation = new GeneratedImages(64, 4, 16, 202UL);
        var queries = new GeneratedImages(80, 4, 16, 303UL);
        manual_seed(8);
        using var network = new MthNetwork(SmallNetworks.Options());
        var options = new TrainingOptions { Epochs = 3, ClassesPerBatch = 4, ImagesPerClass = 6, Seed = 8, Threads = 2, Mining = mining };
        var trainer = new MthTrainer(network, new MthObjective(new LossOptions { Objective = objective }, 16), options, TextWriter.Null);
        var directory = Path.Combine(Path.GetTempPath(), "mth-short-" + Guid.NewGuid().ToString("N"));
        try
        {
            var history = trainer.Fit(train, train, validation, (db, q) => FitRun.Evaluate(db, q, ClassNames).MapAll, directory, resume: false);
            Assert.Equal(3, history.Epochs.Count);
            Assert.InRange(history.BestEpoch, 1, 3);
            Assert.True(File.Exists(Path.Combine(directory, MthTrainer.BestCheckpoint)));

            var report = FitRun.Evaluate(NetworkEncoder.Encode(network, train, 64), NetworkEncoder.Encode(network, queries, 64), ClassNames);
            Assert.True(report.MapAll >= 0.9, $"mAP@all {report.MapAll:F3}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_selected_model_is_the_best_validated_epoch_not_the_last()
    {
        var inputs = new GeneratedImages(64, 4, 16, 41UL);
        manual_seed(2);
        using var network = new MthNetwork(SmallNetworks.Options());
        var options = new TrainingOptions { Epochs = 3, ClassesPerBatch = 4, ImagesPerClass = 4, BatchesPerEpoch = 2, Seed = 2, Threads = 1 };
        var trainer = new MthTrainer(network, new MthObjective(new LossOptions(), 16), options, TextWriter.Null);
        var scores = new Queue<double>([0.4, 0.9, 0.6]);
        float[]? codesAtEpoch2 = null;
        var directory = Path.Combine(Path.GetTempPath(), "mth-select-" + Guid.NewGuid().ToString("N"));
        try
        {
            var history = trainer.Fit(inputs, inputs, inputs, (_, queries) =>
            {
                var score = scores.Dequeue();
                if (score == 0.9) codesAtEpoch2 = queries.Hash;
                return score;
            }, directory, resume: false);
            Assert.Equal(2, history.BestEpoch);
            Assert.Equal(0.9, history.BestValidationMapAll);
            Assert.Equal(codesAtEpoch2, NetworkEncoder.Encode(network, inputs, 64).Hash);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
