using System.Diagnostics;
using Mth.Train.Loss;
using Mth.Train.Model;
using Mth.Train.Tests.Fixtures;
using Mth.Train.Training;
using static TorchSharp.torch;

namespace Mth.Train.Tests.Training;

[Collection(ProcessWideTorchRandom.Name)]
public sealed class ReproducibilityTests
{
    [Fact]
    public void The_same_seed_gives_the_same_codes_and_another_seed_other_ones()
    {
        var inputs = new GeneratedImages(64, 4, 16, 31UL);
        var first = TrainAndEncode(inputs, seed: 4);
        var again = TrainAndEncode(inputs, seed: 4);
        var other = TrainAndEncode(inputs, seed: 5);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void A_resumed_run_ends_where_an_uninterrupted_one_does()
    {
        var inputs = new GeneratedImages(64, 4, 16, 37UL);
        var whole = TrainAndEncode(inputs, seed: 6, epochs: 2);
        var directory = Path.Combine(Path.GetTempPath(), "mth-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            TrainAndEncode(inputs, seed: 6, epochs: 1, directory: directory);
            var resumed = TrainAndEncode(inputs, seed: 6, epochs: 2, directory: directory, resume: true);
            Assert.Equal(whole, resumed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static float[] TrainAndEncode(GeneratedImages inputs, long seed, int epochs = 1, string? directory = null,
        bool resume = false)
    {
        manual_seed(seed);
        using var network = new MthNetwork(SmallNetworks.Options());
        var options = new TrainingOptions
        {
            Epochs = epochs, ClassesPerBatch = 4, ImagesPerClass = 4, BatchesPerEpoch = 3, Seed = seed, Threads = 1,
            Schedule = LearningRateSchedule.Constant,
        };
        var trainer = new MthTrainer(network, new MthObjective(new LossOptions(), 16), options, TextWriter.Null);
        bool owned = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "mth-seed-" + Guid.NewGuid().ToString("N"));
        try
        {
            // A score that grows with time makes the last epoch the selected one, in one run or across a resume.
            trainer.Fit(inputs, inputs, inputs, (_, _) => Stopwatch.GetTimestamp(), directory, resume);
            return NetworkEncoder.Encode(network, inputs, 32).Hash;
        }
        finally
        {
            if (owned) Directory.Delete(directory, recursive: true);
        }
    }
}
