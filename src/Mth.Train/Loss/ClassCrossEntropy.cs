using static TorchSharp.torch;

namespace Mth.Train.Loss;

/// <summary>
/// The cross-entropy shared by L_s (on rho(h)) and L_c (on the class layer): one mean over the batch, or
/// theta_a CE(anchors) + theta_p CE(positives) + theta_n CE(negatives), each a mean over the triplets.
/// </summary>
public static class ClassCrossEntropy
{
    public static Tensor Compute(Tensor logits, Tensor labels, TripletIndices? triplets, LossOptions options)
    {
        using var scope = NewDisposeScope();
        if (options.ClassLossForm == ClassLossForm.Batch || triplets is null || triplets.Count == 0)
            return nn.functional.cross_entropy(logits, labels).MoveToOuterDisposeScope();
        var perImage = nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.None);
        var loss = options.AnchorWeight * perImage.index_select(0, triplets.Anchor).mean()
                   + options.PositiveWeight * perImage.index_select(0, triplets.Positive).mean()
                   + options.NegativeWeight * perImage.index_select(0, triplets.Negative).mean();
        return loss.MoveToOuterDisposeScope();
    }
}
