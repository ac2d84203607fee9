namespace Mth.Encoding.Preprocessing;

/// <summary>
/// The model input's definition, as stored in the manifest: S, the resize rule and per-channel
/// normalisation (x - mean) / std applied to [0, 1] pixels after grey is repeated on 3 channels.
/// </summary>
public sealed record PreprocessingOptions
{
    public const int Channels = 3;

    public PreprocessingOptions(int inputSize, IReadOnlyList<float> mean, IReadOnlyList<float> std, ResizeRule resize = ResizeRule.Stretch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 4);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count != Channels || std.Count != Channels)
        {
            throw new ArgumentException($"Mean and std need {Channels} values each (one per channel).");
        }

        if (mean.Any(m => !float.IsFinite(m)) || std.Any(s => !float.IsFinite(s) || s <= 0))
        {
            throw new ArgumentException("Mean must be finite and std finite and positive.");
        }

        InputSize = inputSize;
        Mean = [.. mean];
        Std = [.. std];
        Resize = resize;
    }

    /// <summary>S: the model sees 3 x S x S.</summary>
    public int InputSize { get; }

    public IReadOnlyList<float> Mean { get; }

    public IReadOnlyList<float> Std { get; }

    public ResizeRule Resize { get; }

    /// <summary>Floats per preprocessed image: 3 * S * S.</summary>
    public int InputLength => Channels * InputSize * InputSize;

    /// <summary>No normalisation (mean 0, std 1): for computing the statistics themselves.</summary>
    public static PreprocessingOptions Unnormalised(int inputSize, ResizeRule resize = ResizeRule.Stretch) =>
        new(inputSize, [0f, 0f, 0f], [1f, 1f, 1f], resize);

    public bool Equals(PreprocessingOptions? other) =>
        other is not null && InputSize == other.InputSize && Resize == other.Resize
        && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(InputSize, Resize, Mean[0], Mean[1], Mean[2], Std[0], Std[1], Std[2]);
}
