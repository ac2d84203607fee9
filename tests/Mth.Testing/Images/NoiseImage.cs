using Mth.Imaging;

namespace Mth.Testing.Images;

/// <summary>Grey PNG images of seeded uniform noise (our own encoder), for uploads and decoder inputs in tests.</summary>
public static class NoiseImage
{
    public static byte[] Png(int seed, int size = 24)
    {
        var image = new FloatImage(size, size, 1);
        var random = new Random(seed);
        for (var i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = (float)random.NextDouble();
        }

        using var stream = new MemoryStream();
        PngEncoder.Write(stream, image);
        return stream.ToArray();
    }
}
