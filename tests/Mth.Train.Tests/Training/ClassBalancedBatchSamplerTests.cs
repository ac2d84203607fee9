using Mth.Train.Data;
using Mth.Train.Training;

namespace Mth.Train.Tests.Training;

public sealed class ClassBalancedBatchSamplerTests
{
    private static readonly int[] Labels = Enumerable.Range(0, 60).Select(i => i % 5 == 4 ? 4 : i % 4).ToArray();

    [Fact]
    public void Every_batch_holds_P_distinct_classes_with_K_images_each()
    {
        var sampler = new ClassBalancedBatchSampler(Labels, classesPerBatch: 3, imagesPerClass: 4);
        foreach (var batch in sampler.Epoch(new SeededRandom(7UL), 1, 20))
        {
            Assert.Equal(12, batch.Length);
            var groups = batch.GroupBy(i => Labels[i]).ToList();
            Assert.Equal(3, groups.Count);
            Assert.All(groups, g => Assert.Equal(4, g.Count()));
        }
    }

    [Fact]
    public void The_same_seed_and_epoch_give_the_same_batches_and_another_epoch_other_ones()
    {
        var sampler = new ClassBalancedBatchSampler(Labels, 4, 2);
        var first = sampler.Epoch(new SeededRandom(3UL), 2, 10);
        var again = sampler.Epoch(new SeededRandom(3UL), 2, 10);
        var next = sampler.Epoch(new SeededRandom(3UL), 3, 10);
        Assert.Equal(first.SelectMany(b => b), again.SelectMany(b => b));
        Assert.NotEqual(first.SelectMany(b => b), next.SelectMany(b => b));
    }

    [Fact]
    public void Images_of_a_class_are_all_drawn_before_any_repeats()
    {
        int[] labels = [.. Enumerable.Repeat(0, 6), .. Enumerable.Repeat(1, 6)];
        var sampler = new ClassBalancedBatchSampler(labels, 2, 3);
        var drawn = sampler.Epoch(new SeededRandom(11UL), 1, 2).SelectMany(b => b).ToList();
        Assert.Equal(12, drawn.Distinct().Count());
    }

    [Fact]
    public void An_epoch_defaults_to_one_pass_over_the_images()
    {
        var sampler = new ClassBalancedBatchSampler(Labels, 4, 3);
        Assert.Equal(60 / 12, sampler.DefaultBatchesPerEpoch);
    }
}
