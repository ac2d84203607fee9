using static TorchSharp.torch;

namespace Mth.Train.Loss;

/// <summary>The total loss (for backward) and its terms as numbers for progress and metrics.</summary>
public sealed class LossTerms(Tensor total, IReadOnlyDictionary<string, double> terms) : IDisposable
{
    public Tensor Total { get; } = total;

    /// <summary>Weighted terms by name: hash, feature, semantic, category, pairwise, quantization (those the objective uses).</summary>
    public IReadOnlyDictionary<string, double> Terms { get; } = terms;

    public void Dispose() => Total.Dispose();
}
