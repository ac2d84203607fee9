using static TorchSharp.torch;

namespace Mth.Train.Loss;

/// <summary>
/// L_h: mean over triplets of w_h max(0, ||h_a - h_p||^2 - ||h_a - h_n||^2 + eta)
/// + w_d max(0, ||D_a - D_p||^2 - ||D_a - D_n||^2 + delta), with D L2-normalised by default.
/// </summary>
public sealed class HierarchicalSimilarityLoss(double hashMargin, double featureMargin, double hashWeight, double featureWeight, bool normalizeFeatures)
{
    public double HashMargin { get; } = hashMargin;
    public double FeatureMargin { get; } = featureMargin;

    /// <summary>The hash-code term and the deep-feature term (each already weighted); their sum is L_h.</summary>
    public (Tensor Hash, Tensor Feature) Compute(Tensor hash, Tensor features, TripletIndices triplets)
    {
        using var scope = NewDisposeScope();
        var hashTerm = hashWeight * Margin(hash, triplets, HashMargin);
        Tensor featureTerm;
        if (featureWeight == 0)
        {
            featureTerm = zeros(1, dtype: hash.dtype).squeeze();
        }
        else
        {
            var f = normalizeFeatures ? nn.functional.normalize(features, p: 2, dim: 1) : features;
            featureTerm = featureWeight * Margin(f, triplets, FeatureMargin);
        }
        return (hashTerm.MoveToOuterDisposeScope(), featureTerm.MoveToOuterDisposeScope());
    }

    private static Tensor Margin(Tensor x, TripletIndices triplets, double margin)
    {
        if (triplets.Count == 0) return (x.sum() * 0);
        var d = PairwiseDistances.Squared(x);
        var positive = PairwiseDistances.Gather(d, triplets.Anchor, triplets.Positive);
        var negative = PairwiseDistances.Gather(d, triplets.Anchor, triplets.Negative);
        return nn.functional.relu(positive - negative + margin).mean();
    }
}
