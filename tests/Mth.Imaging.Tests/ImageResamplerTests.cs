using Mth.Imaging;

namespace Mth.Imaging.Tests;

public sealed class ImageResamplerTests
{
    [Fact]
    public void Shrinking_by_an_integer_factor_averages_each_block()
    {
        var image = new FloatImage(4, 2, 1, [0, 2, 4, 6, 1, 3, 5, 7]);

        var resized = ImageResampler.Resize(image, 2, 1);

        Assert.Equal([1.5f, 5.5f], resized.Data);
    }

    [Fact]
    public void Shrinking_by_a_fractional_factor_weights_partly_covered_pixels()
    {
        // 3 -> 2: output 0 covers input [0, 1.5), output 1 covers [1.5, 3).
        var image = new FloatImage(3, 1, 1, [0, 3, 6]);

        var resized = ImageResampler.Resize(image, 2, 1);

        Assert.Equal(1f, resized.Data[0], 5);
        Assert.Equal(5f, resized.Data[1], 5);
    }

    [Fact]
    public void Enlarging_interpolates_between_pixel_centres_and_keeps_the_edges()
    {
        var image = new FloatImage(2, 1, 1, [0, 1]);

        var resized = ImageResampler.Resize(image, 4, 1);

        Assert.Equal([0f, 0.25f, 0.75f, 1f], resized.Data);
    }

    [Theory]
    [InlineData(17, 13, 5, 7)]
    [InlineData(224, 224, 64, 64)]
    [InlineData(5, 9, 64, 64)]
    public void Resizing_a_constant_image_gives_the_same_constant(int width, int height, int newWidth, int newHeight)
    {
        var image = new FloatImage(width, height, 3);
        Array.Fill(image.Data, 0.37f);

        var resized = ImageResampler.Resize(image, newWidth, newHeight);

        Assert.All(resized.Data, v => Assert.Equal(0.37f, v, 5));
    }

    [Fact]
    public void Shrinking_preserves_the_mean_of_the_image()
    {
        var random = new Random(7);
        var image = new FloatImage(37, 23, 1);
        for (var i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = (float)random.NextDouble();
        }

        var resized = ImageResampler.Resize(image, 10, 10);

        Assert.Equal(image.Data.Average(), resized.Data.Average(), 3);
    }

    [Fact]
    public void Grey_images_become_three_identical_channels()
    {
        var image = new FloatImage(2, 1, 1, [0.1f, 0.9f]);

        var rgb = image.ToThreeChannels();

        Assert.Equal([0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f], rgb.Data);
    }
}
