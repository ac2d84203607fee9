using Mth.Testing.Dicom;

namespace Mth.Query.Tests;

/// <summary>Images to upload, made by the test: PNG (our encoder), JPEG (stb_image_write), DICOM Part 10 (Mth.Dicom).</summary>
internal static class UploadImages
{
    public static byte[] Png(int seed, int size = 24) => Mth.Testing.Images.NoiseImage.Png(seed, size);

    public static byte[] Jpeg(int seed, int size = 24)
    {
        var random = new Random(seed);
        var pixels = new byte[size * size * 3];
        random.NextBytes(pixels);
        using var stream = new MemoryStream();
        new StbImageWriteSharp.ImageWriter().WriteJpg(pixels, size, size, StbImageWriteSharp.ColorComponents.RedGreenBlue, stream, 90);
        return stream.ToArray();
    }

    public static byte[] Dicom(int seed, bool withPixels = true)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mth-query-upload-{Guid.NewGuid():N}.dcm");
        try
        {
            new SyntheticInstance { Seed = seed, Rows = 40, Columns = 30, WithPixelData = withPixels, SopClassUid = withPixels ? SyntheticInstance.MRImageStorage : SyntheticInstance.BasicTextSR }.WriteTo(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
