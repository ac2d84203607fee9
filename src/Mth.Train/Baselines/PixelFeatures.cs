using Mth.Train.Data;

namespace Mth.Train.Baselines;

/// <summary>The baselines' features: the model input itself (3 x S x S normalised floats per image), in set order.</summary>
public static class PixelFeatures
{
    public static async Task<float[]> ExtractAsync(InputBatchBuilder builder, int batchSize = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var length = builder.Preprocessor.InputLength;
        var features = new float[(long)builder.Set.Count * length];
        await foreach (var batch in builder.InOrderAsync(batchSize, cancellationToken).ConfigureAwait(false))
        {
            batch.Inputs.CopyTo(features, (long)batch.Positions[0] * length);
        }

        return features;
    }
}
