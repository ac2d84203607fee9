namespace Mth.Train.Loss;

/// <summary>Which objective trains the backbone: the paper's, or one of the baselines on the same backbone.</summary>
public enum Objective
{
    /// <summary>L = L_h + alpha L_s + beta L_c (MTH-SPEC.md "Loss").</summary>
    Mth,
    /// <summary>DPSH-style pairwise likelihood on the codes plus a quantisation term (baseline).</summary>
    Pairwise,
    /// <summary>The hash-code triplet term alone: no deep-feature term, no L_s, no L_c (baseline).</summary>
    TripletCodes,
}

/// <summary>How L_s and L_c weigh the images of a batch.</summary>
public enum ClassLossForm
{
    /// <summary>One cross-entropy over the batch: with triplets formed inside a batch every image is anchor, positive and negative at once.</summary>
    Batch,
    /// <summary>Per-role weights theta_a, theta_p, theta_n over the triplets (for explicitly sampled triplets).</summary>
    Roles,
}

/// <summary>
/// Margins and weights of the loss. The paper gives no values; the defaults are the ones chosen by experiment here
/// (docs/model.md): eta = k/2 (24 at 48 bits), delta = 0.5 on L2-normalised deep features, alpha = beta = 3.
/// </summary>
public sealed record LossOptions
{
    public Objective Objective { get; init; } = Objective.Mth;

    /// <summary>Margin of the hash-code triplet term; null = k/2 (interpretation: ||h_a - h_n||^2 ranges over [0, 4k]).</summary>
    public double? HashMargin { get; init; }

    /// <summary>Margin delta of the deep-feature triplet term.</summary>
    public double FeatureMargin { get; init; } = 0.5;

    /// <summary>w_h: weight of the hash-code triplet term in L_h.</summary>
    public double HashWeight { get; init; } = 1.0;

    /// <summary>w_d: weight of the deep-feature triplet term in L_h (0 = the no-deep-feature ablation).</summary>
    public double FeatureWeight { get; init; } = 1.0;

    /// <summary>(interpretation) L2-normalise deep features before their triplet term: raw ReLU features can grow to satisfy any margin.</summary>
    public bool NormalizeFeatures { get; init; } = true;

    /// <summary>alpha: weight of the semantic term L_s (0 = the no-L_s ablation).</summary>
    public double SemanticWeight { get; init; } = 3.0;

    /// <summary>beta: weight of the category-level term L_c (0 = the no-L_c ablation).</summary>
    public double CategoryWeight { get; init; } = 3.0;

    public ClassLossForm ClassLossForm { get; init; } = ClassLossForm.Batch;

    /// <summary>theta_a, theta_p, theta_n (and the same for L_s) when <see cref="ClassLossForm"/> is Roles.</summary>
    public double AnchorWeight { get; init; } = 1.0;
    public double PositiveWeight { get; init; } = 1.0;
    public double NegativeWeight { get; init; } = 1.0;

    /// <summary>Weight of the quantisation term of the pairwise baseline (mean of ||h - sign(h)||^2 / k).</summary>
    public double QuantizationWeight { get; init; } = 0.1;

    public double HashMarginFor(int bits) => HashMargin ?? bits / 2.0;

    public void Validate()
    {
        if (FeatureMargin < 0 || HashMargin < 0) throw new ArgumentException("margins must not be negative");
        if (HashWeight < 0 || FeatureWeight < 0 || SemanticWeight < 0 || CategoryWeight < 0 || QuantizationWeight < 0)
            throw new ArgumentException("loss weights must not be negative");
        if (AnchorWeight < 0 || PositiveWeight < 0 || NegativeWeight < 0) throw new ArgumentException("role weights must not be negative");
    }
}
