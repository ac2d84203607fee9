using static TorchSharp.torch;

namespace Mth.Train.Loss;

/// <summary>Squared Euclidean distances between all rows of a matrix, and their lookup for index pairs.</summary>
public static class PairwiseDistances
{
    /// <summary>B x B matrix of ||x_i - x_j||^2 (clamped at 0 against rounding).</summary>
    public static Tensor Squared(Tensor x)
    {
        using var scope = NewDisposeScope();
        var norms = x.pow(2).sum(1);
        var d = norms.unsqueeze(1) + norms.unsqueeze(0) - 2 * matmul(x, x.t());
        return d.clamp_min(0).MoveToOuterDisposeScope();
    }

    /// <summary>d[i[t], j[t]] for aligned index vectors.</summary>
    public static Tensor Gather(Tensor distances, Tensor i, Tensor j)
    {
        using var scope = NewDisposeScope();
        long size = distances.shape[1];
        return distances.flatten().index_select(0, i * size + j).MoveToOuterDisposeScope();
    }
}
