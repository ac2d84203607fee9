using Mth.Train.Data;
using Mth.Train.Evaluation;
using static TorchSharp.torch;

namespace Mth.Train.Baselines;

/// <summary>
/// Random-hyperplane LSH (Charikar): bit j is the sign of (x - mean) . w_j with w_j drawn from a
/// standard normal by the seeded generator; the mean is the training features' mean, so that
/// hyperplanes pass through the data rather than beside it.
/// </summary>
public sealed class RandomHyperplaneLsh : IPixelHashing
{
    private readonly float[] mean;
    private readonly float[] projection; // Dimensions x Bits

    private RandomHyperplaneLsh(float[] mean, float[] projection, int bits)
    {
        this.mean = mean;
        this.projection = projection;
        Bits = bits;
    }

    public string Name => "lsh";

    public int Bits { get; }

    public int Dimensions => mean.Length;

    public static RandomHyperplaneLsh Fit(ReadOnlySpan<float> training, int count, int dimensions, int bits, ulong seed)
    {
        Encoding.Codes.HashCodes.ByteLength(bits);
        var mean = PixelMath.Mean(training, count, dimensions);
        var random = new SeededRandom(seed);
        var projection = new float[dimensions * bits];
        for (var i = 0; i < projection.Length; i++)
        {
            projection[i] = (float)random.NextGaussian();
        }

        return new RandomHyperplaneLsh(mean, projection, bits);
    }

    public CodeSet Encode(ReadOnlySpan<float> features, int count)
    {
        using var scope = NewDisposeScope();
        var x = PixelMath.Centred(features, count, mean);
        var w = tensor(projection, [Dimensions, Bits]);
        return PixelMath.SignCodes(x.mm(w), Bits);
    }
}
