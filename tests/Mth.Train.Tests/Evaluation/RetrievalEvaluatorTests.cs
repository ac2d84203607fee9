using Mth.Train.Data;
using Mth.Train.Evaluation;

namespace Mth.Train.Tests.Evaluation;

public sealed class RetrievalEvaluatorTests
{
    private static readonly string[] TwoClasses = ["a", "b"];

    /// <summary>8-bit codes at a chosen Hamming distance from the all-zero query: the lowest d bits set.</summary>
    private static byte[] AtDistance(int d) => [(byte)((1 << d) - 1)];

    private static RetrievalReport Evaluate(int[] distances, int[] labels, int queryLabel = 0, RetrievalOptions? options = null) =>
        RetrievalEvaluator.Evaluate(
            CodeSet.FromBytes(8, distances.Select(AtDistance).ToArray()), labels,
            CodeSet.FromBytes(8, [[0]]), [queryLabel], TwoClasses, options);

    [Fact]
    public void Average_precision_without_ties_is_the_mean_precision_at_each_relevant_item()
    {
        // Ranking: relevant, irrelevant, relevant -> (1/1 + 2/3) / 2.
        var report = Evaluate([0, 1, 2], [0, 1, 0]);

        Assert.Equal((1.0 + 2.0 / 3) / 2, report.MapAll, 12);
        Assert.Equal(report.MapAll, report.TieAwareMapAll, 12);
        // Fewer items than the cut-off: precision over the items there are.
        Assert.Equal(2.0 / 3, report.PrecisionAt[10], 12);
    }

    [Fact]
    public void Tie_aware_average_precision_of_a_tied_pair_is_the_mean_of_both_orders()
    {
        // One relevant and one irrelevant item at the same distance: AP is 1 or 1/2.
        var report = Evaluate([3, 3], [0, 1]);

        Assert.Equal(0.75, report.TieAwareMapAll, 12);
        Assert.True(report.MapAll is 1.0 or 0.5);
    }

    [Fact]
    public void Map_at_cutoff_divides_by_the_relevant_items_within_the_cutoff()
    {
        // 150 items: relevant at ranks 1 and 3, then 100 irrelevant, then 48 relevant.
        var distances = Enumerable.Range(0, 150).Select(i => i < 3 ? i : i < 103 ? 4 : 6).ToArray();
        var labels = Enumerable.Range(0, 150).Select(i => i is 0 or 2 || i >= 103 ? 0 : 1).ToArray();

        var report = Evaluate(distances, labels);

        Assert.Equal((1.0 + 2.0 / 3) / 2, report.MapAtCutoff, 12);
        Assert.Equal(report.MapAtCutoff, report.TieAwareMapAtCutoff, 12);
        Assert.Equal(2.0 / 100, report.PrecisionAt[100], 12);
        Assert.Equal(2.0 / 10, report.PrecisionAt[10], 12);
    }

    [Fact]
    public void Map_at_cutoff_is_zero_when_nothing_relevant_is_within_it()
    {
        var distances = Enumerable.Range(0, 120).Select(i => i < 110 ? 1 : 2).ToArray();
        var labels = Enumerable.Range(0, 120).Select(i => i < 110 ? 1 : 0).ToArray();

        var report = Evaluate(distances, labels);

        Assert.Equal(0, report.MapAtCutoff);
        Assert.Equal(0, report.TieAwareMapAtCutoff);
        Assert.True(report.MapAll > 0);
    }

    [Fact]
    public void Ties_are_broken_by_the_seeded_permutation_not_by_database_order()
    {
        // All at one distance, relevant items first in database order (as class folders would list them).
        var labels = Enumerable.Range(0, 40).Select(i => i < 20 ? 0 : 1).ToArray();
        var distances = new int[40];

        var report = Evaluate(distances, labels);
        var again = Evaluate(distances, labels);
        var otherSeed = Evaluate(distances, labels, options: new RetrievalOptions { TieBreakSeed = 99 });

        Assert.True(report.MapAll < 0.9, $"database order would give 1.0, got {report.MapAll}");
        Assert.Equal(report.MapAll, again.MapAll);
        Assert.NotEqual(report.MapAll, otherSeed.MapAll);
        Assert.Equal(report.TieAwareMapAll, otherSeed.TieAwareMapAll, 12);
        Assert.Equal(RetrievalOptions.DefaultTieBreakSeed, report.TieBreakSeed);
    }

    [Fact]
    public void Ranked_figures_match_a_brute_force_sort_with_the_same_permutation()
    {
        var random = new SeededRandom(17UL);
        for (var trial = 0; trial < 20; trial++)
        {
            var n = 30 + random.NextInt(40);
            var database = Enumerable.Range(0, n).Select(_ => new[] { (byte)random.NextInt(256), (byte)random.NextInt(4) }).ToArray();
            var labels = Enumerable.Range(0, n).Select(_ => random.NextInt(3)).ToArray();
            var queries = Enumerable.Range(0, 5).Select(_ => new[] { (byte)random.NextInt(256), (byte)random.NextInt(4) }).ToArray();
            var queryLabels = Enumerable.Range(0, 5).Select(_ => random.NextInt(3)).ToArray();
            var options = new RetrievalOptions { TieBreakSeed = (ulong)trial, MapCutoff = 10, PrecisionCutoffs = [5, 10] };

            var report = RetrievalEvaluator.Evaluate(CodeSet.FromBytes(16, database), labels, CodeSet.FromBytes(16, queries), queryLabels, ["x", "y", "z"], options);

            var rank = new int[n];
            var permutation = new SeededRandom((ulong)trial).Permutation(n);
            for (var t = 0; t < n; t++)
            {
                rank[permutation[t]] = t;
            }

            var expected = queries.Select((query, q) =>
            {
                var order = Enumerable.Range(0, n).OrderBy(j => Hamming(query, database[j])).ThenBy(j => rank[j]).ToArray();
                var relevant = order.Select(j => labels[j] == queryLabels[q]).ToArray();
                return (BruteForce.AveragePrecision(relevant), BruteForce.AveragePrecisionAt(relevant, 10), BruteForce.PrecisionAt(relevant, 5));
            }).ToArray();

            Assert.Equal(expected.Average(e => e.Item1), report.MapAll, 12);
            Assert.Equal(expected.Average(e => e.Item2), report.MapAtCutoff, 12);
            Assert.Equal(expected.Average(e => e.Item3), report.PrecisionAt[5], 12);
        }
    }

    [Fact]
    public void Tie_aware_figures_equal_the_average_over_every_order_of_the_database()
    {
        // 7 items with heavy ties: averaging over all 5040 database orders averages over all orders within ties.
        var random = new SeededRandom(23UL);
        for (var trial = 0; trial < 6; trial++)
        {
            var distances = Enumerable.Range(0, 7).Select(_ => random.NextInt(3)).ToArray();
            var labels = Enumerable.Range(0, 7).Select(_ => random.NextInt(2)).ToArray();
            var options = new RetrievalOptions { MapCutoff = 3, PrecisionCutoffs = [2, 4] };

            var report = Evaluate(distances, labels, options: options);

            double ap = 0, apAt3 = 0, pAt2 = 0, pAt4 = 0;
            var count = 0;
            foreach (var order in BruteForce.Permutations(7))
            {
                var ranked = order.OrderBy(j => distances[j]).Select(j => labels[j] == 0).ToArray(); // OrderBy is stable
                ap += BruteForce.AveragePrecision(ranked);
                apAt3 += BruteForce.AveragePrecisionAt(ranked, 3);
                pAt2 += BruteForce.PrecisionAt(ranked, 2);
                pAt4 += BruteForce.PrecisionAt(ranked, 4);
                count++;
            }

            Assert.Equal(ap / count, report.TieAwareMapAll, 12);
            Assert.Equal(apAt3 / count, report.TieAwareMapAtCutoff, 12);
            Assert.Equal(pAt2 / count, report.TieAwarePrecisionAt[2], 12);
            Assert.Equal(pAt4 / count, report.TieAwarePrecisionAt[4], 12);
        }
    }

    [Fact]
    public void Precision_recall_curve_has_a_point_per_radius_ending_at_full_recall()
    {
        var report = Evaluate([0, 1, 2, 2, 8], [0, 1, 0, 1, 0]);

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8], report.PrecisionRecall.Select(p => p.Radius));
        Assert.Equal(new PrecisionRecallPoint(0, 1.0, 1.0 / 3), report.PrecisionRecall[0]);
        Assert.Equal(2.0 / 4, report.PrecisionRecall[2].Precision, 12);
        Assert.Equal(1.0, report.PrecisionRecall[^1].Recall, 12);
        Assert.Equal(3.0 / 5, report.PrecisionRecall[^1].Precision, 12);
    }

    [Fact]
    public void Per_class_map_averages_the_queries_of_each_class()
    {
        var database = CodeSet.FromBytes(8, [[0x00], [0xFF]]);
        var queries = CodeSet.FromBytes(8, [[0x01], [0xFE], [0x03]]);

        var report = RetrievalEvaluator.Evaluate(database, [0, 1], queries, [0, 1, 1], TwoClasses);

        Assert.Equal(new ClassRetrieval("a", 1, 1.0, 1.0), report.PerClass[0]);
        Assert.Equal(new ClassRetrieval("b", 2, 0.75, 0.75), report.PerClass[1]);
        Assert.Equal(2.5 / 3, report.MapAll, 12);
        Assert.Equal(2, report.DistinctDatabaseCodes);
    }

    [Fact]
    public void Codes_of_different_lengths_cannot_be_compared()
    {
        Assert.Throws<ArgumentException>(() => RetrievalEvaluator.Evaluate(
            CodeSet.FromBytes(8, [[0]]), [0], CodeSet.FromBytes(16, [[0, 0]]), [0], TwoClasses));
    }

    private static int Hamming(byte[] a, byte[] b) => a.Zip(b, (x, y) => System.Numerics.BitOperations.PopCount((uint)(x ^ y))).Sum();
}

/// <summary>Textbook definitions on an explicit ranking, for checking the fast evaluator.</summary>
internal static class BruteForce
{
    public static double AveragePrecision(bool[] relevant)
    {
        var total = relevant.Count(r => r);
        return total == 0 ? 0 : SumOfPrecisions(relevant, relevant.Length) / total;
    }

    public static double AveragePrecisionAt(bool[] relevant, int k)
    {
        var within = relevant.Take(k).Count(r => r);
        return within == 0 ? 0 : SumOfPrecisions(relevant, k) / within;
    }

    public static double PrecisionAt(bool[] relevant, int k) => (double)relevant.Take(k).Count(r => r) / Math.Min(k, relevant.Length);

    private static double SumOfPrecisions(bool[] relevant, int k)
    {
        double sum = 0;
        var hits = 0;
        for (var i = 0; i < Math.Min(k, relevant.Length); i++)
        {
            if (relevant[i])
            {
                hits++;
                sum += (double)hits / (i + 1);
            }
        }

        return sum;
    }

    public static IEnumerable<int[]> Permutations(int n)
    {
        var items = Enumerable.Range(0, n).ToArray();
        return Permute(items, 0);
    }

    private static IEnumerable<int[]> Permute(int[] items, int start)
    {
        if (start == items.Length)
        {
            yield return (int[])items.Clone();
            yield break;
        }

        for (var i = start; i < items.Length; i++)
        {
            (items[start], items[i]) = (items[i], items[start]);
            foreach (var permutation in Permute(items, start + 1))
            {
                yield return permutation;
            }

            (items[start], items[i]) = (items[i], items[start]);
        }
    }
}
