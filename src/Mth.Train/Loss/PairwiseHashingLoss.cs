using static TorchSharp.torch;

namespace Mth.Train.Loss;

/// <summary>
/// DPSH-style pairwise baseline (Li et al. 2016): for every ordered pair i != j of the batch,
/// theta_ij = h_i . h_j / 2 and the negative log-likelihood log(1 + e^theta) - s_ij theta (s = same label),
/// averaged, plus a quantisation term q * mean_i ||h_i - sign(h_i)||^2 / k.
/// </summary>
public static class PairwiseHashingLoss
{
    public static (Tensor Likelihood, Tensor Quantization) Compute(Tensor hash, Tensor labels, double quantizationWeight)
    {
        using var scope = NewDisposeScope();
        long batch = hash.shape[0];
        var theta = matmul(hash, hash.t()) * 0.5;
        var similar = labels.unsqueeze(1).eq(labels.unsqueeze(0)).to_type(hash.dtype);
        var offDiagonal = ones(batch, batch, dtype: hash.dtype) - eye(batch, dtype: hash.dtype);
        var nll = (nn.functional.softplus(theta) - similar * theta) * offDiagonal;
        var likelihood = nll.sum() / Math.Max(1, batch * (batch - 1));
        var quantization = quantizationWeight * (hash - hash.detach().sign()).pow(2).sum(1).mean() / hash.shape[1];
        return (likelihood.MoveToOuterDisposeScope(), quantization.MoveToOuterDisposeScope());
    }
}
