using System.Globalization;
using System.Text;

namespace Mth.Testing.Dicom;

/// <summary>An 8-bit binary PGM (P5) or PPM (P6) image as dcmj2pnm writes it: samples interleaved per pixel.</summary>
public sealed record PnmImage(int Width, int Height, int Channels, byte[] Samples)
{
    public byte this[int channel, int y, int x] => Samples[(y * Width + x) * Channels + channel];

    /// <summary>Renders a DICOM file with dcmj2pnm and reads the result (overlays off; extra options choose frame and VOI).</summary>
    public static PnmImage RenderWithDcmtk(string dicomPath, string outputPath, params string[] options)
    {
        Dcmtk.RunChecked("dcmj2pnm", ["-q", "-O", "+op", .. options, dicomPath, outputPath]);
        return Read(File.ReadAllBytes(outputPath));
    }

    public static PnmImage Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var position = 0;
        var magic = Token(bytes, ref position);
        var width = int.Parse(Token(bytes, ref position), CultureInfo.InvariantCulture);
        var height = int.Parse(Token(bytes, ref position), CultureInfo.InvariantCulture);
        var maxValue = int.Parse(Token(bytes, ref position), CultureInfo.InvariantCulture);
        position++; // the single whitespace after the header
        var channels = magic switch
        {
            "P5" => 1,
            "P6" => 3,
            _ => throw new InvalidDataException($"not a binary PGM/PPM: {magic}"),
        };
        if (maxValue != 255)
        {
            throw new InvalidDataException($"expected 8-bit samples, got max value {maxValue}");
        }

        return new PnmImage(width, height, channels, bytes.AsSpan(position, width * height * channels).ToArray());
    }

    private static string Token(byte[] bytes, ref int position)
    {
        while (char.IsWhiteSpace((char)bytes[position]) || bytes[position] == '#')
        {
            if (bytes[position] == '#')
            {
                while (bytes[position] != '\n')
                {
                    position++;
                }
            }

            position++;
        }

        var start = position;
        while (!char.IsWhiteSpace((char)bytes[position]))
        {
            position++;
        }

        return System.Text.Encoding.ASCII.GetString(bytes, start, position - start);
    }
}
