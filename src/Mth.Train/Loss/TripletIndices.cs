using static TorchSharp.torch;

namespace Mth.Train.Loss;

/// <summary>Triplets of a batch as three aligned index vectors (int64) into the batch: anchor, positive, negative.</summary>
public sealed class TripletIndices(Tensor anchor, Tensor positive, Tensor negative) : IDisposable
{
    public Tensor Anchor { get; } = anchor;
    public Tensor Positive { get; } = positive;
    public Tensor Negative { get; } = negative;
    public long Count => Anchor.shape[0];

    public static TripletIndices From(IReadOnlyList<(long Anchor, long Positive, long Negative)> triplets)
    {
        var a = triplets.Select(t => t.Anchor).ToArray();
        var p = triplets.Select(t => t.Positive).ToArray();
        var n = triplets.Select(t => t.Negative).ToArray();
        return new TripletIndices(tensor(a, ScalarType.Int64), tensor(p, ScalarType.Int64), tensor(n, ScalarType.Int64));
    }

    public void Dispose()
    {
        Anchor.Dispose();
        Positive.Dispose();
        Negative.Dispose();
    }
}
