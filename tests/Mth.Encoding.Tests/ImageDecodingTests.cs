using Mth.Encoding.Images;
using Mth.Imaging;

namespace Mth.Encoding.Tests;

public sealed class ImageDecodingTests
{
    private static byte[] Png(FloatImage image)
    {
        using var stream = new MemoryStream();
        PngEncoder.Write(stream, image);
        return stream.ToArray();
    }

    private static FloatImage Gradient(int width, int height, int channels)
    {
        var image = new FloatImage(width, height, channels);
        for (var c = 0; c < channels; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    image[c, y, x] = ((x * 11 + y * 5 + c * 70) % 256) / 255f;
                }
            }
        }

        return image;
    }

    [Fact]
    public void A_grey_png_decodes_to_one_channel_with_values_over_255()
    {
        var image = Gradient(7, 5, 1);

        var decoded = ImageDecoderChain.Default.Decode(Png(image));

        Assert.Equal((7, 5, 1), (decoded.Width, decoded.Height, decoded.Channels));
        Assert.Equal(image.Data, decoded.Data);
    }

    [Fact]
    public void A_colour_png_keeps_its_three_channels()
    {
        var image = Gradient(6, 4, 3);

        var decoded = ImageDecoderChain.Default.Decode(Png(image));

        Assert.Equal(3, decoded.Channels);
        Assert.Equal(image.Data, decoded.Data);
    }

    [Fact]
    public void A_colour_file_with_equal_channels_is_grey()
    {
        var grey = Gradient(6, 4, 1);

        var decoded = ImageDecoderChain.Default.Decode(Png(grey.ToThreeChannels()));

        Assert.Equal(1, decoded.Channels);
        Assert.Equal(grey.Data, decoded.Data);
    }

    [Fact]
    public void A_jpeg_decodes_close_to_its_source()
    {
        var image = Gradient(16, 16, 1);
        var bytes = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            bytes[i] = PngEncoder.ToByte(image.Data[i]);
        }

        using var stream = new MemoryStream();
        new StbImageWriteSharp.ImageWriter().WriteJpg(bytes, 16, 16, StbImageWriteSharp.ColorComponents.Grey, stream, 100);

        var decoded = ImageDecoderChain.Default.Decode(stream.ToArray());

        Assert.Equal((16, 16, 1), (decoded.Width, decoded.Height, decoded.Channels));
        Assert.True(image.Data.Zip(decoded.Data, (a, b) => Math.Abs(a - b)).Average() < 0.03);
    }

    [Fact]
    public void Unknown_formats_are_named_in_the_error()
    {
        var error = Assert.Throws<ImageDecodingException>(() => ImageDecoderChain.Default.Decode("GIF89a..."u8.ToArray()));
        Assert.Contains("png/jpeg", error.Message);
    }

    [Fact]
    public void A_truncated_png_is_a_decoding_error()
    {
        var bytes = Png(Gradient(30, 30, 1));

        Assert.Throws<ImageDecodingException>(() => ImageDecoderChain.Default.Decode(bytes.AsSpan(0, 40)));
    }

    [Fact]
    public void A_decoder_added_to_the_chain_is_tried_first_by_signature()
    {
        // A real decoder for the plain PGM format (P2), the shape the DICOM renderer takes in the chain.
        var chain = ImageDecoderChain.Default.With(new PlainPgmDecoder());

        var decoded = chain.Decode("P2 3 1 255 0 255 51"u8.ToArray());

        Assert.Equal([0f, 1f, 0.2f], decoded.Data);
        Assert.Equal(Gradient(2, 2, 1).Data, chain.Decode(Png(Gradient(2, 2, 1))).Data);
    }

    private sealed class PlainPgmDecoder : IImageDecoder
    {
        public string Name => "pgm";

        public bool CanDecode(ReadOnlySpan<byte> header) => header.StartsWith("P2"u8);

        public FloatImage Decode(ReadOnlySpan<byte> file)
        {
            var fields = System.Text.Encoding.ASCII.GetString(file).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int width = int.Parse(fields[1]), height = int.Parse(fields[2]), max = int.Parse(fields[3]);
            return new FloatImage(width, height, 1, fields.Skip(4).Select(v => int.Parse(v) / (float)max).ToArray());
        }
    }
}
