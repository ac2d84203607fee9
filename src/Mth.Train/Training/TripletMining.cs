using Mth.Train.Loss;
using static TorchSharp.torch;

namespace Mth.Train.Training;

/// <summary>How triplets are formed inside a batch.</summary>
public enum TripletMining
{
    /// <summary>Every valid (anchor, positive of its class, negative of another class).</summary>
    BatchAll,
    /// <summary>Per (anchor, positive): the closest negative farther than the positive (FaceNet semi-hard);
    /// where no negative is farther, the farthest negative.</summary>
    SemiHard,
}

/// <summary>Forms triplets from the labels of a batch (and, for semi-hard, the codes' distances). Deterministic.</summary>
public static class TripletMiner
{
    /// <summary>All valid triplets, in anchor, positive, negative order.</summary>
    public static TripletIndices BatchAll(IReadOnlyList<int> labels)
    {
        var triplets = new List<(long, long, long)>();
        for (int a = 0; a < labels.Count; a++)
            for (int p = 0; p < labels.Count; p++)
            {
                if (p == a || labels[p] != labels[a]) continue;
                for (int n = 0; n < labels.Count; n++)
                    if (labels[n] != labels[a]) triplets.Add((a, p, n));
            }
        return TripletIndices.From(triplets);
    }

    /// <summary>
    /// Semi-hard: for each (a, p), the negative n with the smallest d(a, n) among those with d(a, n) > d(a, p)
    /// (violating the margin or not); where no negative is farther than the positive, the farthest negative
    /// (the easiest of the hard ones, as in FaceNet's implementation, to avoid collapse from the hardest).
    /// <paramref name="squaredDistances"/> is the B x B matrix of the embedding the margin applies to.
    /// </summary>
    public static TripletIndices SemiHard(IReadOnlyList<int> labels, Tensor squaredDistances)
    {
        var d = squaredDistances.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray();
        int b = labels.Count;
        var triplets = new List<(long, long, long)>();
        for (int a = 0; a < b; a++)
            for (int p = 0; p < b; p++)
            {
                if (p == a || labels[p] != labels[a]) continue;
                float ap = d[a * b + p];
                int semiHard = -1, farthest = -1;
                for (int n = 0; n < b; n++)
                {
                    if (labels[n] == labels[a]) continue;
                    float an = d[a * b + n];
                    if (an > ap && (semiHard < 0 || an < d[a * b + semiHard])) semiHard = n;
                    if (farthest < 0 || an > d[a * b + farthest]) farthest = n;
                }
                int chosen = semiHard >= 0 ? semiHard : farthest;
                if (chosen >= 0) triplets.Add((a, p, chosen));
            }
        return TripletIndices.From(triplets);
    }
}
