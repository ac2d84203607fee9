using Mth.Encoding.Preprocessing;
using Mth.Imaging;

namespace Mth.Encoding.Tests;

public sealed class ImagePreprocessorTests
{
    [Fact]
    public void Grey_is_repeated_on_three_channels_and_normalised_per_channel()
    {
        var image = new FloatImage(4, 4, 1);
        image.Data.AsSpan().Fill(0.5f);
        var preprocessor = new ImagePreprocessor(new PreprocessingOptions(4, [0.5f, 0.25f, 0f], [1f, 0.5f, 0.25f]));

        var input = preprocessor.Preprocess(image);

        Assert.Equal(48, input.Length);
        Assert.All(input[..16], v => Assert.Equal(0f, v));
        Assert.All(input[16..32], v => Assert.Equal(0.5f, v));
        Assert.All(input[32..], v => Assert.Equal(2f, v));
    }

    [Fact]
    public void Images_are_resized_with_the_shared_resampler()
    {
        var image = new FloatImage(8, 6, 3);
        for (var i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = i % 7 / 7f;
        }

        var preprocessor = new ImagePreprocessor(PreprocessingOptions.Unnormalised(4));

        var input = preprocessor.Preprocess(image);

        Assert.Equal(ImageResampler.Resize(image, 4, 4).Data, input);
    }

    [Fact]
    public void Pad_to_square_keeps_the_aspect_ratio_with_black_bars()
    {
        var image = new FloatImage(4, 2, 1);
        image.Data.AsSpan().Fill(1f);
        var preprocessor = new ImagePreprocessor(PreprocessingOptions.Unnormalised(4, ResizeRule.PadToSquare));

        var resized = preprocessor.Resize(image);

        float[] expected = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
        Assert.Equal(expected, resized.Data);
    }

    [Fact]
    public void Normalising_an_image_of_the_wrong_size_is_an_error()
    {
        var preprocessor = new ImagePreprocessor(PreprocessingOptions.Unnormalised(4));
        Assert.Throws<ArgumentException>(() => preprocessor.Normalise(new FloatImage(5, 4, 1), new float[48]));
        Assert.Throws<ArgumentException>(() => preprocessor.Normalise(new FloatImage(4, 4, 1), new float[47]));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void A_non_positive_or_missing_standard_deviation_is_rejected(float std)
    {
        Assert.Throws<ArgumentException>(() => new PreprocessingOptions(8, [0f, 0f, 0f], [1f, std, 1f]));
    }
}
