namespace Mth.Train.Data;

/// <summary>Per-channel mean and standard deviation of resized [0, 1] inputs (grey counted on all three channels).</summary>
public sealed record ChannelStatistics(float[] Mean, float[] Std)
{
    /// <summary>
    /// Over the images of <paramref name="set"/> as the cache resizes them (use the training split
    /// only). Per-image sums are added in position order, so the result does not depend on threads.
    /// </summary>
    public static async Task<ChannelStatistics> ComputeAsync(ImageSet set, PreprocessedImageCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(cache);
        if (set.Count == 0)
        {
            throw new DataSourceException($"Cannot compute normalisation statistics of the empty set '{set.Name}'.");
        }

        var sums = new double[set.Count * 6];
        var pixels = new long[set.Count];
        await Parallel.ForAsync(0, set.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (position, token) =>
            {
                var image = await cache.GetAsync(set.SourceIndex(position), token).ConfigureAwait(false);
                for (var c = 0; c < 3; c++)
                {
                    double sum = 0, squares = 0;
                    foreach (var value in image.Plane(image.Channels == 1 ? 0 : c))
                    {
                        sum += value;
                        squares += (double)value * value;
                    }

                    sums[position * 6 + c] = sum;
                    sums[position * 6 + 3 + c] = squares;
                }

                pixels[position] = (long)image.Width * image.Height;
            }).ConfigureAwait(false);

        var total = pixels.Sum();
        var mean = new float[3];
        var std = new float[3];
        for (var c = 0; c < 3; c++)
        {
            double sum = 0, squares = 0;
            for (var position = 0; position < set.Count; position++)
            {
                sum += sums[position * 6 + c];
                squares += sums[position * 6 + 3 + c];
            }

            var m = sum / total;
            mean[c] = (float)m;
            // A constant channel would divide by zero: floor the deviation.
            std[c] = (float)Math.Max(Math.Sqrt(Math.Max(squares / total - m * m, 0)), 1e-3);
        }

        return new ChannelStatistics(mean, std);
    }
}
