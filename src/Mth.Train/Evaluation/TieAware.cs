namespace Mth.Train.Evaluation;

/// <summary>
/// Expected ranking metrics over all orders within groups of equal distance, from per-group
/// counts only (groups in increasing distance: size n_g, relevant r_g). For a group after a
/// items of which R_b are relevant, a slot j (1-based) inside it is relevant with probability
/// r/n, and given that, the other relevant items ahead of it in the group number (j-1)(r-1)/(n-1)
/// on average (hypergeometric), so the group adds
/// sum_j (r/n) (R_b + 1 + (j-1)(r-1)/(n-1)) / (a + j) to the expected sum of precisions.
/// </summary>
internal static class TieAware
{
    /// <summary>Expected AP over the whole ranking (0 without relevant items).</summary>
    public static double AveragePrecision(ReadOnlySpan<int> groupSize, ReadOnlySpan<int> groupRelevant, int relevant)
    {
        if (relevant == 0)
        {
            return 0;
        }

        double sum = 0;
        var before = 0;
        var relevantBefore = 0;
        for (var g = 0; g < groupSize.Length; g++)
        {
            sum += GroupPrecisionSum(before, relevantBefore, groupRelevant[g], groupSize[g]);
            before += groupSize[g];
            relevantBefore += groupRelevant[g];
        }

        return sum / relevant;
    }

    /// <summary>
    /// Expected AP@K (divided by the relevant items within the top K, 0 when none). Only the
    /// group that straddles K makes the divisor random: its relevant count within the top K is
    /// hypergeometric, and the expectation is summed over that count exactly.
    /// </summary>
    public static double AveragePrecisionAtCutoff(ReadOnlySpan<int> groupSize, ReadOnlySpan<int> groupRelevant, int cutoff)
    {
        double sumBefore = 0;
        var before = 0;
        var relevantBefore = 0;
        for (var g = 0; g < groupSize.Length; g++)
        {
            int n = groupSize[g], r = groupRelevant[g];
            if (n == 0)
            {
                continue;
            }

            if (before + n <= cutoff)
            {
                sumBefore += GroupPrecisionSum(before, relevantBefore, r, n);
                before += n;
                relevantBefore += r;
                if (before == cutoff)
                {
                    break;
                }

                continue;
            }

            // The straddling group: m of its n slots are inside the top K.
            var m = cutoff - before;
            double expected = 0;
            foreach (var (x, probability) in Hypergeometric(n, r, m))
            {
                var divisor = relevantBefore + x;
                if (divisor > 0)
                {
                    expected += probability * (sumBefore + GroupPrecisionSum(before, relevantBefore, x, m)) / divisor;
                }
            }

            return expected;
        }

        return relevantBefore == 0 ? 0 : sumBefore / relevantBefore;
    }

    /// <summary>Expected precision@K: the straddling group contributes its relevant share of the slots it fills.</summary>
    public static double Precision(ReadOnlySpan<int> groupSize, ReadOnlySpan<int> groupRelevant, int cutoff)
    {
        double hits = 0;
        var before = 0;
        for (var g = 0; g < groupSize.Length && before < cutoff; g++)
        {
            var taken = Math.Min(groupSize[g], cutoff - before);
            if (taken > 0)
            {
                hits += (double)taken * groupRelevant[g] / groupSize[g];
            }

            before += taken;
        }

        return hits / cutoff;
    }

    /// <summary>
    /// Expected sum of precisions at the relevant items of <paramref name="slots"/> consecutive
    /// positions holding <paramref name="relevant"/>
    /// relevant items in random order, after <paramref name="before"/> items of which
    /// <paramref name="relevantBefore"/> are relevant.
    /// </summary>
    private static double GroupPrecisionSum(int before, int relevantBefore, int relevant, int slots)
    {
        if (relevant == 0 || slots == 0)
        {
            return 0;
        }

        var share = (double)relevant / slots;
        var others = slots == 1 ? 0 : (double)(relevant - 1) / (slots - 1);
        double sum = 0;
        for (var j = 1; j <= slots; j++)
        {
            sum += share * (relevantBefore + 1 + (j - 1) * others) / (before + j);
        }

        return sum;
    }

    /// <summary>P(X = x) for X relevant items among m drawn without replacement from n holding r (log-space for large n).</summary>
    private static IEnumerable<(int X, double Probability)> Hypergeometric(int n, int r, int m)
    {
        var low = Math.Max(0, m - (n - r));
        var high = Math.Min(r, m);
        var logWeights = new double[high - low + 1];
        for (var x = low; x < high; x++)
        {
            // P(x+1)/P(x) = (r-x)(m-x) / ((x+1)(n-r-m+x+1))
            logWeights[x - low + 1] = logWeights[x - low]
                + Math.Log((double)(r - x) * (m - x)) - Math.Log((double)(x + 1) * (n - r - m + x + 1));
        }

        var max = logWeights.Max();
        var total = logWeights.Sum(w => Math.Exp(w - max));
        for (var x = low; x <= high; x++)
        {
            yield return (x, Math.Exp(logWeights[x - low] - max) / total);
        }
    }
}
