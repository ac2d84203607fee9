using Mth.Imaging;

namespace Mth.Encoding.Preprocessing;

/// <summary>
/// The one definition of the model input. Two stages so that the trainer can cache and augment
/// between them: <see cref="Resize"/> (any image to S x S, channels kept: grey stays 1 channel)
/// and <see cref="Normalise"/> (grey repeated on 3 channels, (x - mean) / std, written into a
/// CHW slice of a batch tensor). <see cref="Preprocess(FloatImage, Span{float})"/> is both.
/// </summary>
public sealed class ImagePreprocessor
{
    public ImagePreprocessor(PreprocessingOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public PreprocessingOptions Options { get; }

    public int InputSize => Options.InputSize;

    public int InputLength => Options.InputLength;

    /// <summary>Stage 1: S x S with the shared resampler, per the resize rule; 1 or 3 channels as given.</summary>
    public FloatImage Resize(FloatImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var size = Options.InputSize;
        var square = Options.Resize == ResizeRule.PadToSquare ? PadToSquare(image) : image;
        return ImageResampler.Resize(square, size, size);
    }

    /// <summary>Stage 2: an S x S image (1 or 3 channels, [0, 1]) to 3 x S x S normalised floats.</summary>
    public void Normalise(FloatImage resized, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(resized);
        var size = Options.InputSize;
        if (resized.Width != size || resized.Height != size)
        {
            throw new ArgumentException($"Expected a {size}x{size} image, got {resized.Width}x{resized.Height}.", nameof(resized));
        }

        if (destination.Length < Options.InputLength)
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats, {Options.InputLength} needed.", nameof(destination));
        }

        var plane = size * size;
        for (var c = 0; c < PreprocessingOptions.Channels; c++)
        {
            ReadOnlySpan<float> source = resized.Plane(resized.Channels == 1 ? 0 : c);
            var target = destination.Slice(c * plane, plane);
            // Multiply by the reciprocal? No: division keeps results bit-identical to the documented formula.
            var mean = Options.Mean[c];
            var std = Options.Std[c];
            for (var i = 0; i < plane; i++)
            {
                target[i] = (source[i] - mean) / std;
            }
        }
    }

    public void Preprocess(FloatImage image, Span<float> destination) => Normalise(Resize(image), destination);

    public float[] Preprocess(FloatImage image)
    {
        var input = new float[Options.InputLength];
        Preprocess(image, input);
        return input;
    }

    private static FloatImage PadToSquare(FloatImage image)
    {
        if (image.Width == image.Height)
        {
            return image;
        }

        var side = Math.Max(image.Width, image.Height);
        var padded = new FloatImage(side, side, image.Channels);
        var left = (side - image.Width) / 2;
        var top = (side - image.Height) / 2;
        for (var c = 0; c < image.Channels; c++)
        {
            for (var y = 0; y < image.Height; y++)
            {
                image.Plane(c).Slice(y * image.Width, image.Width)
                    .CopyTo(padded.Plane(c).Slice((top + y) * side + left, image.Width));
            }
        }

        return padded;
    }
}
