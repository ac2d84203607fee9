using Mth.Imaging;
using StbImageSharp;

namespace Mth.Encoding.Images;

/// <summary>
/// PNG and JPEG through StbImageSharp (managed, no native imaging library). 8-bit samples are
/// mapped to [0, 1] by /255; alpha is dropped; a colour image whose three channels are equal
/// everywhere (a grey scan saved as RGB) becomes one grey channel, which is lossless because
/// grey is repeated on three channels later and keeps caches a third of the size.
/// </summary>
public sealed class PngJpegDecoder : IImageDecoder
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public string Name => "png/jpeg";

    public bool CanDecode(ReadOnlySpan<byte> header) =>
        header.StartsWith(PngSignature) || (header.Length >= 3 && header[0] == 0xFF && header[1] == 0xD8 && header[2] == 0xFF);

    public FloatImage Decode(ReadOnlySpan<byte> file)
    {
        if (!CanDecode(file))
        {
            throw new ImageDecodingException("Not a PNG or JPEG file (signature not recognised).");
        }

        ImageResult result;
        try
        {
            // StbImageSharp wants an array or a stream; one copy of the compressed bytes is cheap.
            result = ImageResult.FromMemory(file.ToArray(), ColorComponents.Default);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException or OverflowException)
        {
            throw new ImageDecodingException($"Damaged PNG/JPEG data: {exception.Message}", exception);
        }

        if (result.Width <= 0 || result.Height <= 0 || result.Data is null)
        {
            throw new ImageDecodingException("PNG/JPEG without pixels.");
        }

        var components = result.Comp switch
        {
            ColorComponents.Grey => 1,
            ColorComponents.GreyAlpha => 2,
            ColorComponents.RedGreenBlue => 3,
            ColorComponents.RedGreenBlueAlpha => 4,
            _ => throw new ImageDecodingException($"Unsupported PNG/JPEG colour layout {result.Comp}."),
        };
        return ToFloatImage(result.Data, result.Width, result.Height, components);
    }

    /// <summary>Interleaved 8-bit samples (grey, grey+alpha, RGB or RGBA) to a planar [0, 1] image.</summary>
    public static FloatImage ToFloatImage(ReadOnlySpan<byte> interleaved, int width, int height, int components)
    {
        var pixels = checked(width * height);
        if (interleaved.Length < pixels * components)
        {
            throw new ImageDecodingException($"Expected {pixels * components} samples, got {interleaved.Length}.");
        }

        var colour = components >= 3 && !IsGrey(interleaved, pixels, components);
        var channels = colour ? 3 : 1;
        var image = new FloatImage(width, height, channels);
        var data = image.Data;
        for (var c = 0; c < channels; c++)
        {
            var offset = c * pixels;
            for (var p = 0; p < pixels; p++)
            {
                data[offset + p] = interleaved[p * components + c] / 255f;
            }
        }

        return image;
    }

    private static bool IsGrey(ReadOnlySpan<byte> interleaved, int pixels, int components)
    {
        for (var p = 0; p < pixels; p++)
        {
            var i = p * components;
            if (interleaved[i] != interleaved[i + 1] || interleaved[i] != interleaved[i + 2])
            {
                return false;
            }
        }

        return true;
    }
}
