using Mth.Train.Evaluation;
using static TorchSharp.torch;

namespace Mth.Train.Baselines;

/// <summary>Shared steps of the pixel baselines.</summary>
internal static class PixelMath
{
    public static float[] Mean(ReadOnlySpan<float> rows, int count, int dimensions)
    {
        if (count <= 0 || rows.Length != (long)count * dimensions)
        {
            throw new ArgumentException($"Expected {count} x {dimensions} features, got {rows.Length}.");
        }

        var sum = new double[dimensions];
        for (var r = 0; r < count; r++)
        {
            var row = rows.Slice(r * dimensions, dimensions);
            for (var d = 0; d < dimensions; d++)
            {
                sum[d] += row[d];
            }
        }

        return sum.Select(s => (float)(s / count)).ToArray();
    }

    /// <summary>Rows minus the training mean, as a float32 tensor (count x d).</summary>
    public static Tensor Centred(ReadOnlySpan<float> rows, int count, float[] mean)
    {
        if (rows.Length != (long)count * mean.Length)
        {
            throw new ArgumentException($"Expected {count} x {mean.Length} features, got {rows.Length}.");
        }

        return tensor(rows.ToArray(), [count, mean.Length]) - tensor(mean, [1, mean.Length]);
    }

    public static CodeSet SignCodes(Tensor projected, int bits)
    {
        var values = projected.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        return CodeSet.FromHashOutputs(bits, values, (int)projected.shape[0]);
    }
}
