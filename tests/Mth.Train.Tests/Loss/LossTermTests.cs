using Mth.Train.Loss;
using Mth.Train.Model;
using static TorchSharp.torch;

namespace Mth.Train.Tests.Loss;

public sealed class LossTermTests
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void Hash_triplet_term_is_the_hinge_of_squared_distances_plus_the_margin()
    {
        // a = (0.5, -0.5), p = (0.4, -0.6), n = (0.1, 0.2): ||a-p||^2 = 0.02, ||a-n||^2 = 0.16 + 0.49 = 0.65.
        using var h = tensor(new float[] { 0.5f, -0.5f, 0.4f, -0.6f, 0.1f, 0.2f }, [3, 2]);
        using var d = tensor(new float[] { 1, 0, 1, 0, 1, 0 }, [3, 2]);
        using var triplets = TripletIndices.From([(0, 1, 2)]);
        var loss = new HierarchicalSimilarityLoss(hashMargin: 1.0, featureMargin: 0.5, hashWeight: 2.0, featureWeight: 1.0, normalizeFeatures: true);
        var (hash, feature) = loss.Compute(h, d, triplets);
        Assert.Equal(2.0 * (0.02 - 0.65 + 1.0), hash.item<float>(), Tolerance); // w_h * 0.37
        Assert.Equal(0.5, feature.item<float>(), Tolerance); // identical features: max(0, 0 - 0 + delta)
    }

    [Fact]
    public void Hash_triplet_term_is_zero_once_the_negative_is_farther_by_the_margin()
    {
        using var h = tensor(new float[] { 1, 1, 1, 1, -1, -1 }, [3, 2]); // ||a-p||^2 = 0, ||a-n||^2 = 8
        using var d = tensor(new float[] { 1, 0, 1, 0, 0, 1 }, [3, 2]);
        using var triplets = TripletIndices.From([(0, 1, 2)]);
        var (hash, _) = new HierarchicalSimilarityLoss(7.9, 0.5, 1, 1, true).Compute(h, d, triplets);
        Assert.Equal(0.0, hash.item<float>(), Tolerance);
    }

    [Fact]
    public void Deep_feature_term_uses_L2_normalised_features_by_default_and_raw_ones_when_asked()
    {
        // a = (2, 0) -> (1, 0); p = (0.6, 0.8) (unit); n = (0, 3) -> (0, 1).
        // Normalised: ||a-p||^2 = 0.16 + 0.64 = 0.8, ||a-n||^2 = 2, delta 1.5 -> 0.3.
        // Raw: ||a-p||^2 = 1.96 + 0.64 = 2.6, ||a-n||^2 = 4 + 9 = 13, delta 1.5 -> 0.
        using var h = zeros(3, 2);
        using var d = tensor(new float[] { 2, 0, 0.6f, 0.8f, 0, 3 }, [3, 2]);
        using var triplets = TripletIndices.From([(0, 1, 2)]);
        var (_, normalised) = new HierarchicalSimilarityLoss(1, 1.5, 1, 1, normalizeFeatures: true).Compute(h, d, triplets);
        var (_, raw) = new HierarchicalSimilarityLoss(1, 11.0, 1, 1, normalizeFeatures: false).Compute(h, d, triplets);
        Assert.Equal(0.3, normalised.item<float>(), Tolerance);
        Assert.Equal(2.6 - 13 + 11.0, raw.item<float>(), Tolerance);
    }

    [Fact]
    public void Hierarchical_terms_average_over_triplets()
    {
        // Two triplets: (0,1,2) loss 0.37 with eta 1 (as above); (1,0,2): ||p-a||^2 = 0.02, ||p-n||^2 = 0.09 + 0.64 = 0.73 -> 0.29.
        using var h = tensor(new float[] { 0.5f, -0.5f, 0.4f, -0.6f, 0.1f, 0.2f }, [3, 2]);
        using var d = ones(3, 2);
        using var triplets = TripletIndices.From([(0, 1, 2), (1, 0, 2)]);
        var (hash, _) = new HierarchicalSimilarityLoss(1.0, 0.5, 1, 0, true).Compute(h, d, triplets);
        Assert.Equal((0.37 + 0.29) / 2, hash.item<float>(), Tolerance);
    }

    [Fact]
    public void Class_cross_entropy_over_the_batch_is_minus_log_softmax_of_the_label()
    {
        // Logits (0, ln 3) label 1: p = 3/4 -> -ln 0.75; logits (ln 4, 0) label 0: p = 4/5 -> -ln 0.8.
        using var logits = tensor(new float[] { 0, MathF.Log(3), MathF.Log(4), 0 }, [2, 2]);
        using var labels = tensor(new long[] { 1, 0 });
        using var ce = ClassCrossEntropy.Compute(logits, labels, null, new LossOptions());
        Assert.Equal((-Math.Log(0.75) - Math.Log(0.8)) / 2, ce.item<float>(), Tolerance);
    }

    [Fact]
    public void Class_cross_entropy_with_role_weights_weighs_anchor_positive_and_negative_means()
    {
        using var logits = tensor(new float[] { 0, MathF.Log(3), MathF.Log(4), 0, 0, 0 }, [3, 2]);
        using var labels = tensor(new long[] { 1, 0, 1 });
        using var triplets = TripletIndices.From([(0, 2, 1)]);
        var options = new LossOptions { ClassLossForm = ClassLossForm.Roles, AnchorWeight = 1, PositiveWeight = 0.5, NegativeWeight = 2 };
        using var ce = ClassCrossEntropy.Compute(logits, labels, triplets, options);
        double anchor = -Math.Log(0.75), positive = -Math.Log(0.5), negative = -Math.Log(0.8);
        Assert.Equal(anchor + 0.5 * positive + 2 * negative, ce.item<float>(), Tolerance);
    }

    [Fact]
    public void Pairwise_baseline_is_the_DPSH_likelihood_over_ordered_pairs_plus_quantisation()
    {
        // h1 = (1, 0), h2 = (0.5, 0): theta = 0.25 both ways; same label: log(1 + e^0.25) - 0.25.
        // Quantisation: ||h - sign(h)||^2 is 0 for h1 and 0.25 for h2 (sign(0) = 0): mean 0.125, divided by k = 2.
        using var h = tensor(new float[] { 1, 0, 0.5f, 0 }, [2, 2]);
        using var labels = tensor(new long[] { 3, 3 });
        var (likelihood, quantization) = PairwiseHashingLoss.Compute(h, labels, quantizationWeight: 1.0);
        Assert.Equal(Math.Log(1 + Math.Exp(0.25)) - 0.25, likelihood.item<float>(), Tolerance);
        Assert.Equal(0.125 / 2, quantization.item<float>(), Tolerance);

        using var different = tensor(new long[] { 0, 1 });
        var (dissimilar, _) = PairwiseHashingLoss.Compute(h, different, 1.0);
        Assert.Equal(Math.Log(1 + Math.Exp(0.25)), dissimilar.item<float>(), Tolerance);
    }

    [Fact]
    public void Total_is_hierarchical_plus_alpha_semantic_plus_beta_category()
    {
        using var h = tensor(new float[] { 0.5f, -0.5f, 0.4f, -0.6f, 0.1f, 0.2f }, [3, 2]);
        using var d = tensor(new float[] { 1, 0, 1, 0, 1, 0 }, [3, 2]);
        using var classLogits = tensor(new float[] { 0, MathF.Log(3), 0, MathF.Log(3), MathF.Log(4), 0 }, [3, 2]);
        using var semanticLogits = tensor(new float[] { 0, 0, 0, 0, 0, 0 }, [3, 2]);
        using var labels = tensor(new long[] { 1, 1, 0 });
        using var triplets = TripletIndices.From([(0, 1, 2)]);
        var options = new LossOptions { HashMargin = 1.0, FeatureMargin = 0.5, SemanticWeight = 2, CategoryWeight = 3 };
        var objective = new MthObjective(options, bits: 2);
        using var output = new MthOutput(d.alias(), h.alias(), classLogits.alias(), semanticLogits.alias());
        using var terms = objective.Compute(output, labels, triplets);

        double hash = 0.37, feature = 0.5, semantic = Math.Log(2);
        double category = (-2 * Math.Log(0.75) - Math.Log(0.8)) / 3;
        Assert.Equal(hash, terms.Terms["hash"], Tolerance);
        Assert.Equal(feature, terms.Terms["feature"], Tolerance);
        Assert.Equal(2 * semantic, terms.Terms["semantic"], Tolerance);
        Assert.Equal(3 * category, terms.Terms["category"], Tolerance);
        Assert.Equal(hash + feature + 2 * semantic + 3 * category, terms.Total.item<float>(), Tolerance);
    }

    [Fact]
    public void Ablations_drop_their_terms_and_the_codes_only_baseline_keeps_the_hash_term_alone()
    {
        using var h = tensor(new float[] { 0.5f, -0.5f, 0.4f, -0.6f, 0.1f, 0.2f }, [3, 2]);
        using var d = tensor(new float[] { 1, 0, 1, 0, 1, 0 }, [3, 2]);
        using var logits = zeros(3, 2);
        using var labels = tensor(new long[] { 1, 1, 0 });
        using var triplets = TripletIndices.From([(0, 1, 2)]);
        using var output = new MthOutput(d.alias(), h.alias(), logits.alias(), logits.alias());

        using var ablated = new MthObjective(new LossOptions { HashMargin = 1, FeatureWeight = 0, SemanticWeight = 0, CategoryWeight = 0 }, 2)
            .Compute(output, labels, triplets);
        Assert.Equal(0.37, ablated.Total.item<float>(), Tolerance);
        Assert.False(ablated.Terms.ContainsKey("semantic"));
        Assert.False(ablated.Terms.ContainsKey("category"));

        using var codesOnly = new MthObjective(new LossOptions { Objective = Objective.TripletCodes, HashMargin = 1 }, 2)
            .Compute(output, labels, triplets);
        Assert.Equal(0.37, codesOnly.Total.item<float>(), Tolerance);
    }

    [Fact]
    public void Default_hash_margin_is_half_the_code_length()
    {
        Assert.Equal(24, new LossOptions().HashMarginFor(48));
        Assert.Equal(8, new LossOptions().HashMarginFor(16));
        Assert.Equal(5, new LossOptions { HashMargin = 5 }.HashMarginFor(48));
    }
}
