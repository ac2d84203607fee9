namespace Mth.Imaging;

/// <summary>
/// Resizes float images, separably per axis. Shrinking uses exact area averaging (each output
/// pixel is the mean of the input area it covers, fractional pixels weighted), which does not
/// alias the fine texture of medical images; enlarging uses bilinear interpolation with
/// pixel centres aligned. Deterministic: the encoder, the query service and the trainer
/// must produce identical inputs from identical pixels.
/// </summary>
public static class ImageResampler
{
    public static FloatImage Resize(FloatImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (source.Width == width && source.Height == height)
        {
            return new FloatImage(width, height, source.Channels, (float[])source.Data.Clone());
        }

        var horizontal = Weights(source.Width, width);
        var vertical = Weights(source.Height, height);
        var result = new FloatImage(width, height, source.Channels);
        var rows = new float[source.Height * width];
        for (var c = 0; c < source.Channels; c++)
        {
            ReadOnlySpan<float> plane = source.Plane(c);
            for (var y = 0; y < source.Height; y++)
            {
                Apply(horizontal, plane.Slice(y * source.Width, source.Width), rows.AsSpan(y * width, width));
            }

            var output = result.Plane(c);
            for (var x = 0; x < width; x++)
            {
                ApplyColumn(vertical, rows, width, x, output);
            }
        }

        return result;
    }

    /// <summary>Per output index: the contributing input indices and their weights (summing to 1).</summary>
    private static Contribution[] Weights(int inputSize, int outputSize)
    {
        var contributions = new Contribution[outputSize];
        var scale = (double)inputSize / outputSize;
        for (var o = 0; o < outputSize; o++)
        {
            if (scale >= 1)
            {
                // Area average over [o*scale, (o+1)*scale).
                var start = o * scale;
                var end = start + scale;
                var first = (int)Math.Floor(start);
                var last = Math.Min(inputSize - 1, (int)Math.Ceiling(end) - 1);
                var indices = new int[last - first + 1];
                var weights = new float[indices.Length];
                for (var i = first; i <= last; i++)
                {
                    var overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                    indices[i - first] = i;
                    weights[i - first] = (float)(overlap / scale);
                }

                contributions[o] = new Contribution(indices, weights);
            }
            else
            {
                // Bilinear with centres aligned: output centre o+0.5 maps to input (o+0.5)*scale-0.5.
                var position = Math.Clamp((o + 0.5) * scale - 0.5, 0, inputSize - 1);
                var left = (int)Math.Floor(position);
                var right = Math.Min(left + 1, inputSize - 1);
                var t = (float)(position - left);
                contributions[o] = left == right
                    ? new Contribution([left], [1f])
                    : new Contribution([left, right], [1f - t, t]);
            }
        }

        return contributions;
    }

    private static void Apply(Contribution[] contributions, ReadOnlySpan<float> input, Span<float> output)
    {
        for (var o = 0; o < contributions.Length; o++)
        {
            var contribution = contributions[o];
            var sum = 0f;
            for (var i = 0; i < contribution.Indices.Length; i++)
            {
                sum += input[contribution.Indices[i]] * contribution.Weights[i];
            }

            output[o] = sum;
        }
    }

    private static void ApplyColumn(Contribution[] contributions, float[] rows, int width, int x, Span<float> output)
    {
        for (var o = 0; o < contributions.Length; o++)
        {
            var contribution = contributions[o];
            var sum = 0f;
            for (var i = 0; i < contribution.Indices.Length; i++)
            {
                sum += rows[contribution.Indices[i] * width + x] * contribution.Weights[i];
            }

            output[o * width + x] = sum;
        }
    }

    private readonly record struct Contribution(int[] Indices, float[] Weights);
}
