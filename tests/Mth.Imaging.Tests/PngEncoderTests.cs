using System.Buffers.Binary;
using System.IO.Compression;
using Mth.Imaging;

namespace Mth.Imaging.Tests;

public sealed class PngEncoderTests
{
    [Fact]
    public void A_grey_image_is_written_as_8_bit_greyscale_rows_with_no_filter()
    {
        var image = new FloatImage(3, 2, 1, [0f, 0.5f, 1f, -1f, 2f, 0.2f]);
        using var png = new MemoryStream();

        PngEncoder.Write(png, image);

        var bytes = png.ToArray();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        var (width, height, bitDepth, colourType) = ReadHeader(bytes);
        Assert.Equal((3, 2, 8, 0), (width, height, bitDepth, colourType));
        Assert.Equal([0, 0, 128, 255, 0, 0, 255, 51], Inflate(bytes));
    }

    [Fact]
    public void An_rgb_image_interleaves_its_planes()
    {
        var image = new FloatImage(1, 1, 3, [1f, 0f, 0.2f]);
        using var png = new MemoryStream();

        PngEncoder.Write(png, image);

        var bytes = png.ToArray();
        Assert.Equal(2, ReadHeader(bytes).ColourType);
        Assert.Equal([0, 255, 0, 51], Inflate(bytes));
    }

    private static (int Width, int Height, int BitDepth, int ColourType) ReadHeader(byte[] png) =>
        (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)), png[24], png[25]);

    private static byte[] Inflate(byte[] png)
    {
        // Chunks follow the 8-byte signature: length, type, data, crc.
        var offset = 8;
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            if (type == "IDAT")
            {
                using var zlib = new ZLibStream(new MemoryStream(png, offset + 8, length), CompressionMode.Decompress);
                using var result = new MemoryStream();
                zlib.CopyTo(result);
                return result.ToArray();
            }

            offset += 12 + length;
        }

        throw new InvalidDataException("no IDAT chunk");
    }
}
