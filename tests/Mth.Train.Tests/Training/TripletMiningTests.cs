using Mth.Train.Training;
using static TorchSharp.torch;

namespace Mth.Train.Tests.Training;

public sealed class TripletMiningTests
{
    [Fact]
    public void Batch_all_forms_every_anchor_positive_negative_combination()
    {
        int[] labels = [0, 0, 0, 1, 1, 2];
        using var triplets = TripletMiner.BatchAll(labels);
        // class 0: 3 anchors x 2 positives x 3 negatives; class 1: 2 x 1 x 4; class 2: no positive.
        Assert.Equal(3 * 2 * 3 + 2 * 1 * 4, triplets.Count);
        var a = triplets.Anchor.data<long>().ToArray();
        var p = triplets.Positive.data<long>().ToArray();
        var n = triplets.Negative.data<long>().ToArray();
        for (int t = 0; t < a.Length; t++)
        {
            Assert.NotEqual(a[t], p[t]);
            Assert.Equal(labels[a[t]], labels[p[t]]);
            Assert.NotEqual(labels[a[t]], labels[n[t]]);
        }
    }

    [Fact]
    public void Semi_hard_picks_the_closest_negative_farther_than_the_positive_else_the_farthest()
    {
        int[] labels = [0, 0, 1, 1, 1];
        // d(0,1) = 2; negatives of anchor 0 at 1, 3, 5 -> semi-hard is item 3 (distance 3).
        // d(1,0) = 2; negatives of anchor 1 at 0.5, 1, 1.5 -> none farther: the farthest (item 4).
        var d = new float[25];
        void Set(int i, int j, float v) { d[i * 5 + j] = v; d[j * 5 + i] = v; }
        Set(0, 1, 2); Set(0, 2, 1); Set(0, 3, 3); Set(0, 4, 5);
        Set(1, 2, 0.5f); Set(1, 3, 1); Set(1, 4, 1.5f);
        Set(2, 3, 1); Set(2, 4, 1); Set(3, 4, 1);
        using var distances = tensor(d, [5, 5]);
        using var triplets = TripletMiner.SemiHard(labels, distances);
        var rows = Enumerable.Range(0, (int)triplets.Count)
            .Select(t => (triplets.Anchor[t].item<long>(), triplets.Positive[t].item<long>(), triplets.Negative[t].item<long>()))
            .ToList();
        Assert.Contains((0L, 1L, 3L), rows);
        Assert.Contains((1L, 0L, 4L), rows);
        Assert.Equal(2 + 3 * 2, rows.Count); // one negative per ordered (anchor, positive) pair
    }
}
