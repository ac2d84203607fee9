using Mth.Imaging;

namespace Mth.Train.Data;

/// <summary>
/// Applies <see cref="AugmentationOptions"/> to a resized [0, 1] image: flips, one affine map
/// (rotation, zoom, shift about the centre; bilinear, black outside) and an intensity change,
/// with every random draw taken from the given generator, so the same seed gives the same image.
/// </summary>
public sealed class ImageAugmenter
{
    public ImageAugmenter(AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    public AugmentationOptions Options { get; }

    /// <summary>A new augmented image; the input is not changed. Identity options return a copy.</summary>
    public FloatImage Apply(FloatImage image, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        var o = Options;
        // Draw every value in a fixed order whether or not it is used, so options do not shift each other's streams.
        var flipX = random.NextDouble() < 0.5 && o.HorizontalFlip;
        var flipY = random.NextDouble() < 0.5 && o.VerticalFlip;
        var angle = random.NextDouble(-1, 1) * o.MaxRotationDegrees * Math.PI / 180;
        var scale = 1 + random.NextDouble(-1, 1) * o.MaxScaleChange;
        var shiftX = random.NextDouble(-1, 1) * o.MaxShiftFraction * image.Width;
        var shiftY = random.NextDouble(-1, 1) * o.MaxShiftFraction * image.Height;
        var brightness = (float)(random.NextDouble(-1, 1) * o.MaxBrightness);
        var contrast = (float)(1 + random.NextDouble(-1, 1) * o.MaxContrastChange);

        var result = new FloatImage(image.Width, image.Height, image.Channels);
        var geometric = angle != 0 || scale != 1 || shiftX != 0 || shiftY != 0;
        var cos = Math.Cos(angle) / scale;
        var sin = Math.Sin(angle) / scale;
        var cx = (image.Width - 1) / 2.0;
        var cy = (image.Height - 1) / 2.0;
        var intensity = brightness != 0 || contrast != 1;
        for (var c = 0; c < image.Channels; c++)
        {
            ReadOnlySpan<float> source = image.Plane(c);
            var target = result.Plane(c);
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    // Inverse map: output pixel -> position in the input.
                    double sx = x, sy = y;
                    if (geometric)
                    {
                        var dx = x - cx - shiftX;
                        var dy = y - cy - shiftY;
                        sx = cos * dx + sin * dy + cx;
                        sy = -sin * dx + cos * dy + cy;
                    }

                    if (flipX)
                    {
                        sx = image.Width - 1 - sx;
                    }

                    if (flipY)
                    {
                        sy = image.Height - 1 - sy;
                    }

                    var value = geometric ? Sample(source, image.Width, image.Height, sx, sy) : source[(int)sy * image.Width + (int)sx];
                    if (intensity)
                    {
                        value = Math.Clamp((value - 0.5f) * contrast + 0.5f + brightness, 0f, 1f);
                    }

                    target[y * image.Width + x] = value;
                }
            }
        }

        return result;
    }

    private static float Sample(ReadOnlySpan<float> plane, int width, int height, double x, double y)
    {
        if (x <= -1 || y <= -1 || x >= width || y >= height)
        {
            return 0f;
        }

        var x0 = (int)Math.Floor(x);
        var y0 = (int)Math.Floor(y);
        var tx = (float)(x - x0);
        var ty = (float)(y - y0);
        var top = At(plane, width, height, x0, y0) * (1 - tx) + At(plane, width, height, x0 + 1, y0) * tx;
        var bottom = At(plane, width, height, x0, y0 + 1) * (1 - tx) + At(plane, width, height, x0 + 1, y0 + 1) * tx;
        return top * (1 - ty) + bottom * ty;
    }

    private static float At(ReadOnlySpan<float> plane, int width, int height, int x, int y) =>
        x < 0 || y < 0 || x >= width || y >= height ? 0f : plane[y * width + x];
}
