using static TorchSharp.torch;

namespace Mth.Train.Model;

/// <summary>
/// What one forward pass gives: the deep feature D(M) (ReLU of the 1024-unit layer), the hash-like code
/// h = tanh(Linear(D)) in (-1, 1)^k, the class layer's logits (softmax in the loss) and the semantic projection rho(h).
/// </summary>
public sealed class MthOutput(Tensor features, Tensor hash, Tensor classLogits, Tensor semanticLogits) : IDisposable
{
    public Tensor Features { get; } = features;
    public Tensor Hash { get; } = hash;
    public Tensor ClassLogits { get; } = classLogits;
    public Tensor SemanticLogits { get; } = semanticLogits;

    public void Dispose()
    {
        Features.Dispose();
        Hash.Dispose();
        ClassLogits.Dispose();
        SemanticLogits.Dispose();
    }
}
