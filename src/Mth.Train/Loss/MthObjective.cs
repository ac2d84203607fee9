using Mth.Train.Model;
using static TorchSharp.torch;

namespace Mth.Train.Loss;

/// <summary>L = L_h + alpha L_s + beta L_c, or a baseline objective on the same outputs (see <see cref="Objective"/>).</summary>
public sealed class MthObjective
{
    private readonly LossOptions options;
    private readonly HierarchicalSimilarityLoss hierarchical;

    public MthObjective(LossOptions options, int bits)
    {
        options.Validate();
        this.options = options;
        bool codesOnly = options.Objective == Objective.TripletCodes;
        hierarchical = new HierarchicalSimilarityLoss(options.HashMarginFor(bits), options.FeatureMargin,
            options.HashWeight, codesOnly ? 0 : options.FeatureWeight, options.NormalizeFeatures);
    }

    /// <summary>Whether the objective needs triplets (the pairwise baseline does not).</summary>
    public bool UsesTriplets => options.Objective != Objective.Pairwise;

    public LossTerms Compute(MthOutput output, Tensor labels, TripletIndices? triplets)
    {
        using var scope = NewDisposeScope();
        var terms = new Dictionary<string, double>();
        Tensor total;
        if (options.Objective == Objective.Pairwise)
        {
            var (likelihood, quantization) = PairwiseHashingLoss.Compute(output.Hash, labels, options.QuantizationWeight);
            terms["pairwise"] = likelihood.item<float>();
            terms["quantization"] = quantization.item<float>();
            total = likelihood + quantization;
        }
        else
        {
            if (triplets is null) throw new ArgumentNullException(nameof(triplets), "the triplet objectives need triplets");
            var (hash, feature) = hierarchical.Compute(output.Hash, output.Features, triplets);
            terms["hash"] = hash.item<float>();
            total = hash;
            if (options.Objective == Objective.Mth)
            {
                terms["feature"] = feature.item<float>();
                total = total + feature;
                if (options.SemanticWeight > 0)
                {
                    var semantic = options.SemanticWeight * ClassCrossEntropy.Compute(output.SemanticLogits, labels, triplets, options);
                    terms["semantic"] = semantic.item<float>();
                    total = total + semantic;
                }
                if (options.CategoryWeight > 0)
                {
                    var category = options.CategoryWeight * ClassCrossEntropy.Compute(output.ClassLogits, labels, triplets, options);
                    terms["category"] = category.item<float>();
                    total = total + category;
                }
            }
        }
        terms["total"] = total.item<float>();
        return new LossTerms(total.MoveToOuterDisposeScope(), terms);
    }
}
