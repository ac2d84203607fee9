using Mth.Train.Data;

namespace Mth.Train.Evaluation;

/// <summary>
/// The standard deep-hashing protocol: every query ranks the whole database by Hamming
/// distance; relevant means same label. Ranking is a counting sort over distances 0..k of the
/// database taken in a seeded random permutation, so equal distances are ordered by that
/// permutation (never by database order, which often follows class folders). Beside the ranked
/// figures it computes their tie-aware expectations in closed form from the per-distance counts
/// (formulas in docs/evaluation.md). Cost O(queries x database x k/64) plus O(database) per query.
/// </summary>
public static class RetrievalEvaluator
{
    public static RetrievalReport Evaluate(
        CodeSet database, IReadOnlyList<int> databaseLabels,
        CodeSet queries, IReadOnlyList<int> queryLabels,
        IReadOnlyList<string> classNames, RetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(databaseLabels);
        ArgumentNullException.ThrowIfNull(queryLabels);
        ArgumentNullException.ThrowIfNull(classNames);
        options ??= new RetrievalOptions();
        options.Validate();
        if (database.Bits != queries.Bits)
        {
            throw new ArgumentException($"Database codes have {database.Bits} bits, queries {queries.Bits}.");
        }

        if (databaseLabels.Count != database.Count || queryLabels.Count != queries.Count)
        {
            throw new ArgumentException("One label per code is needed.");
        }

        if (database.Count == 0 || queries.Count == 0)
        {
            throw new ArgumentException("Evaluation needs at least one database item and one query.");
        }

        var bits = database.Bits;
        var n = database.Count;
        var permutation = new SeededRandom(options.TieBreakSeed).Permutation(n);
        var permutedLabels = permutation.Select(j => databaseLabels[j]).ToArray();
        var cutoffs = options.PrecisionCutoffs.Distinct().Order().ToArray();
        var results = new QueryResult[queries.Count];

        Parallel.For(0, queries.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new Scratch(n, bits),
            (q, _, scratch) =>
            {
                results[q] = EvaluateQuery(database, permutation, permutedLabels, queries.Words(q), queryLabels[q], options.MapCutoff, cutoffs, scratch);
                return scratch;
            },
            _ => { });

        return Summarise(database, queryLabels, classNames, options, cutoffs, results);
    }

    private sealed class Scratch(int databaseCount, int bits)
    {
        public readonly int[] Distance = new int[databaseCount];
        public readonly bool[] RankedRelevant = new bool[databaseCount];
        public readonly int[] GroupSize = new int[bits + 1];
        public readonly int[] GroupRelevant = new int[bits + 1];
        public readonly int[] Next = new int[bits + 1];
    }

    private sealed record QueryResult(
        int Label, double Ap, double ApAtCutoff, double[] Precision,
        double TieAwareAp, double TieAwareApAtCutoff, double[] TieAwarePrecision,
        int[] GroupSize, int[] GroupRelevant, int Relevant);

    private static QueryResult EvaluateQuery(
        CodeSet database, int[] permutation, int[] permutedLabels, ReadOnlySpan<ulong> query, int label,
        int mapCutoff, int[] cutoffs, Scratch s)
    {
        var n = permutation.Length;
        Array.Clear(s.GroupSize);
        Array.Clear(s.GroupRelevant);
        for (var t = 0; t < n; t++)
        {
            var d = CodeSet.Distance(query, database.Words(permutation[t]));
            s.Distance[t] = d;
            s.GroupSize[d]++;
            if (permutedLabels[t] == label)
            {
                s.GroupRelevant[d]++;
            }
        }

        // Counting sort, stable in permutation order: the tie-break.
        var position = 0;
        for (var d = 0; d < s.GroupSize.Length; d++)
        {
            s.Next[d] = position;
            position += s.GroupSize[d];
        }

        for (var t = 0; t < n; t++)
        {
            s.RankedRelevant[s.Next[s.Distance[t]]++] = permutedLabels[t] == label;
        }

        var relevant = 0;
        foreach (var r in s.GroupRelevant)
        {
            relevant += r;
        }

        // Ranked (tie-broken) figures.
        double precisionSum = 0, precisionSumAtCutoff = 0;
        var hits = 0;
        var hitsAtCutoff = 0;
        var precision = new double[cutoffs.Length];
        var cutoffLimit = Math.Min(mapCutoff, n);
        for (var i = 0; i < n; i++)
        {
            if (s.RankedRelevant[i])
            {
                hits++;
                precisionSum += (double)hits / (i + 1);
                if (i < cutoffLimit)
                {
                    hitsAtCutoff++;
                    precisionSumAtCutoff += (double)hits / (i + 1);
                }
            }

            for (var c = 0; c < cutoffs.Length; c++)
            {
                if (i + 1 == Math.Min(cutoffs[c], n))
                {
                    precision[c] = (double)hits / (i + 1);
                }
            }
        }

        var ap = relevant == 0 ? 0 : precisionSum / relevant;
        var apAtCutoff = hitsAtCutoff == 0 ? 0 : precisionSumAtCutoff / hitsAtCutoff;

        var tieAwarePrecision = new double[cutoffs.Length];
        for (var c = 0; c < cutoffs.Length; c++)
        {
            tieAwarePrecision[c] = TieAware.Precision(s.GroupSize, s.GroupRelevant, Math.Min(cutoffs[c], n));
        }

        return new QueryResult(
            label, ap, apAtCutoff, precision,
            TieAware.AveragePrecision(s.GroupSize, s.GroupRelevant, relevant),
            TieAware.AveragePrecisionAtCutoff(s.GroupSize, s.GroupRelevant, cutoffLimit),
            tieAwarePrecision,
            (int[])s.GroupSize.Clone(), (int[])s.GroupRelevant.Clone(), relevant);
    }

    private static RetrievalReport Summarise(
        CodeSet database, IReadOnlyList<int> queryLabels, IReadOnlyList<string> classNames,
        RetrievalOptions options, int[] cutoffs, QueryResult[] results)
    {
        var bits = database.Bits;
        double Mean(Func<QueryResult, double> value) => results.Sum(value) / results.Length;

        var perClass = new List<ClassRetrieval>();
        for (var label = 0; label < classNames.Count; label++)
        {
            var ofClass = results.Where(r => r.Label == label).ToArray();
            if (ofClass.Length > 0)
            {
                perClass.Add(new ClassRetrieval(classNames[label], ofClass.Length, ofClass.Average(r => r.Ap), ofClass.Average(r => r.TieAwareAp)));
            }
        }

        var curve = new List<PrecisionRecallPoint>();
        var retrieved = new long[results.Length];
        var relevantRetrieved = new long[results.Length];
        for (var radius = 0; radius <= bits; radius++)
        {
            double precisionSum = 0, recallSum = 0;
            int precisionQueries = 0, recallQueries = 0;
            for (var q = 0; q < results.Length; q++)
            {
                retrieved[q] += results[q].GroupSize[radius];
                relevantRetrieved[q] += results[q].GroupRelevant[radius];
                if (retrieved[q] > 0)
                {
                    precisionSum += (double)relevantRetrieved[q] / retrieved[q];
                    precisionQueries++;
                }

                if (results[q].Relevant > 0)
                {
                    recallSum += (double)relevantRetrieved[q] / results[q].Relevant;
                    recallQueries++;
                }
            }

            if (precisionQueries > 0)
            {
                curve.Add(new PrecisionRecallPoint(radius, precisionSum / precisionQueries, recallQueries == 0 ? 0 : recallSum / recallQueries));
            }
        }

        return new RetrievalReport
        {
            Bits = bits,
            DatabaseCount = database.Count,
            QueryCount = results.Length,
            DistinctDatabaseCodes = database.DistinctCount(),
            TieBreakSeed = options.TieBreakSeed,
            MapCutoff = options.MapCutoff,
            MapAll = Mean(r => r.Ap),
            MapAtCutoff = Mean(r => r.ApAtCutoff),
            PrecisionAt = cutoffs.Select((k, c) => (k, c)).ToDictionary(x => x.k, x => Mean(r => r.Precision[x.c])),
            TieAwareMapAll = Mean(r => r.TieAwareAp),
            TieAwareMapAtCutoff = Mean(r => r.TieAwareApAtCutoff),
            TieAwarePrecisionAt = cutoffs.Select((k, c) => (k, c)).ToDictionary(x => x.k, x => Mean(r => r.TieAwarePrecision[x.c])),
            PerClass = perClass,
            PrecisionRecall = curve,
        };
    }
}
