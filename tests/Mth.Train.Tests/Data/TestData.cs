using System.Buffers.Binary;
using System.IO.Compression;
using Mth.Imaging;

namespace Mth.Train.Tests.Data;

/// <summary>Tiny generated fixtures: PNG/JPEG class folders and MedMNIST-style .npz files written by the test itself.</summary>
internal static class TestData
{
    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "mth-train-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A grey image whose pattern depends on class and index (values multiples of 1/255).</summary>
    public static FloatImage Pattern(int width, int height, int label, int index, int channels = 1)
    {
        var image = new FloatImage(width, height, channels);
        for (var c = 0; c < channels; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var value = ((label * 61) + (index * 17) + (x * (label + 1) * 7) + (y * 3) + (c * 40)) % 256;
                    image[c, y, x] = value / 255f;
                }
            }
        }

        return image;
    }

    public static byte[] Bytes(FloatImage image)
    {
        var bytes = new byte[image.Width * image.Height * image.Channels];
        var plane = image.Width * image.Height;
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < image.Channels; c++)
            {
                bytes[p * image.Channels + c] = PngEncoder.ToByte(image.Data[c * plane + p]);
            }
        }

        return bytes;
    }

    /// <summary>root/class_k/img_i.png (and .jpg every third image when <paramref name="withJpeg"/>).</summary>
    public static string ClassFolders(string root, int classes, int perClass, int size = 20, bool withJpeg = false)
    {
        for (var label = 0; label < classes; label++)
        {
            var folder = Path.Combine(root, $"class_{label}");
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perClass; i++)
            {
                var image = Pattern(size + label, size, label, i);
                if (withJpeg && i % 3 == 2)
                {
                    WriteJpeg(Path.Combine(folder, $"img_{i:D3}.jpg"), image);
                }
                else
                {
                    PngEncoder.Write(Path.Combine(folder, $"img_{i:D3}.png"), image);
                }
            }
        }

        return root;
    }

    public static void WriteJpeg(string path, FloatImage image)
    {
        var writer = new StbImageWriteSharp.ImageWriter();
        using var stream = File.Create(path);
        writer.WriteJpg(Bytes(image), image.Width, image.Height,
            image.Channels == 1 ? StbImageWriteSharp.ColorComponents.Grey : StbImageWriteSharp.ColorComponents.RedGreenBlue, stream, 90);
    }

    /// <summary>A .npy (format 1.0) with the given dtype, shape and raw data.</summary>
    public static byte[] Npy(string dtype, int[] shape, byte[] data, bool fortranOrder = false)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var header = $"{{'descr': '{dtype}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {shapeText}, }}";
        var total = 10 + header.Length + 1;
        var padding = (64 - total % 64) % 64;
        header = header + new string(' ', padding) + "\n";
        var result = new byte[10 + header.Length + data.Length];
        result[0] = 0x93;
        System.Text.Encoding.ASCII.GetBytes("NUMPY").CopyTo(result, 1);
        result[6] = 1;
        result[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)header.Length);
        System.Text.Encoding.ASCII.GetBytes(header).CopyTo(result, 10);
        data.CopyTo(result, 10 + header.Length);
        return result;
    }

    /// <summary>A MedMNIST-style .npz: for each part, N x size x size uint8 images and N x 1 uint8 labels.</summary>
    public static string Npz(string path, IReadOnlyDictionary<string, int[]> labelsByPart, int size = 8, bool compressed = true)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        var offset = 0;
        foreach (var (part, labels) in labelsByPart)
        {
            var pixels = new byte[labels.Length * size * size];
            for (var n = 0; n < labels.Length; n++)
            {
                for (var p = 0; p < size * size; p++)
                {
                    pixels[n * size * size + p] = (byte)((labels[n] * 100 + (n + offset) * 7 + p) % 256);
                }

                // The first two pixels number the image, so that no two generated images are identical.
                pixels[n * size * size] = (byte)((n + offset) % 256);
                pixels[n * size * size + 1] = (byte)((n + offset) / 256);
            }

            offset += labels.Length;
            Add(zip, part + "_images.npy", Npy("|u1", [labels.Length, size, size], pixels), compressed);
            Add(zip, part + "_labels.npy", Npy("|u1", [labels.Length, 1], labels.Select(l => (byte)l).ToArray()), compressed);
        }

        return path;
    }

    public static void Add(ZipArchive zip, string name, byte[] content, bool compressed = true)
    {
        var entry = zip.CreateEntry(name, compressed ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
        using var stream = entry.Open();
        stream.Write(content);
    }
}
