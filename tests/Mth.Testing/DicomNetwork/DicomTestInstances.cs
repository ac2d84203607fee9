using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Mth.Testing.Dicom;

namespace Mth.Testing.DicomNetwork;

/// <summary>How a generated test instance is encoded.</summary>
public enum TestEncoding
{
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    ExplicitVRBigEndian,
    DeflatedExplicitVRLittleEndian,
    RleLossless,

    /// <summary>JPEG lossless (first-order prediction): a syntax the SCP does not accept by default.</summary>
    JpegLossless,
}

/// <summary>What to generate: a 12-bit grey image of the given size and frames, in one SOP class and encoding.</summary>
public sealed record TestImageSpec
{
    public const string CTImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    public const string MultiFrameGrayscaleWordSecondaryCapture = "1.2.840.10008.5.1.4.1.1.7.3";

    public int Rows { get; init; } = 64;

    public int Columns { get; init; } = 64;

    public int Frames { get; init; } = 1;

    public string SopClassUid { get; init; } = CTImageStorage;

    public TestEncoding Encoding { get; init; } = TestEncoding.ExplicitVRLittleEndian;

    /// <summary>Seed of the pixel values, so a failing case can be regenerated.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>A generated Part 10 file and the UIDs in it.</summary>
public sealed record TestInstance(string Path, string SopClassUid, string SopInstanceUid, string TransferSyntaxUid);

/// <summary>
/// Generates image instances for network tests and benchmarks with <see cref="DicomDumpBuilder"/>
/// (dcmtk's dump2dcm), then dcmcrle or dcmcjpeg for compressed encodings. Copies with fresh SOP
/// Instance UIDs are made by replacing the UID's bytes, which works because every UID generated
/// here has the same length; so a thousand instances cost one dump2dcm run.
/// </summary>
public static class DicomTestInstances
{
    /// <summary>Digits of the random part of every generated UID ("2.25." + 38 digits).</summary>
    private const int UidDigits = 38;

    public static string NewUid()
    {
        var min = BigInteger.Pow(10, UidDigits - 1);
        var span = BigInteger.Pow(10, UidDigits) - min;
        var value = min + (new BigInteger(RandomNumberGenerator.GetBytes(20), isUnsigned: true) % span);
        return "2.25." + value.ToString(CultureInfo.InvariantCulture);
    }

    public static async Task<TestInstance> CreateAsync(TemporaryDirectory directory, TestImageSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(spec);
        var uid = NewUid();
        var builder = DicomDumpBuilder.WithSopCommon(spec.SopClassUid, uid)
            .Add("(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]")
            .Add("(0008,0020) DA [20240101]")
            .Add("(0008,0060) CS [CT]")
            .Add("(0010,0010) PN [Synthetic^Test]")
            .Add("(0010,0020) LO [SYNTHETIC-0001]")
            .Add($"(0020,000d) UI [{NewUid()}]")
            .Add($"(0020,000e) UI [{NewUid()}]")
            .Add("(0020,0013) IS [1]")
            .AddImagePixel(spec.Rows, spec.Columns, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, frames: spec.Frames > 1 ? spec.Frames : 0)
            .Add("(0028,1050) DS [400]")
            .Add("(0028,1051) DS [1600]")
            .Add("(0028,1052) DS [-1024]")
            .Add("(0028,1053) DS [1]")
            .AddBinary("7fe0,0010", "OW", Pixels(spec));

        var name = uid + ".dcm";
        var (encoding, converter) = spec.Encoding switch
        {
            TestEncoding.ExplicitVRLittleEndian => (FixtureEncoding.ExplicitLittle, null),
            TestEncoding.ImplicitVRLittleEndian => (FixtureEncoding.ImplicitLittle, null),
            TestEncoding.ExplicitVRBigEndian => (FixtureEncoding.ExplicitBig, null),
            TestEncoding.DeflatedExplicitVRLittleEndian => (FixtureEncoding.Deflated, null),
            TestEncoding.RleLossless => (FixtureEncoding.ExplicitLittle, (string[]?)["dcmcrle"]),
            TestEncoding.JpegLossless => (FixtureEncoding.ExplicitLittle, ["dcmcjpeg", "+e1"]),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };

        var written = builder.Write(directory, converter is null ? name : "native-" + name, encoding);
        Directory.Delete(written + ".parts", recursive: true);
        var path = directory.File(name);
        if (converter is not null)
        {
            await DcmtkProcess.RunCheckedAsync(converter[0], [.. converter[1..], written, path], TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            File.Delete(written);
        }

        return new TestInstance(path, spec.SopClassUid, uid, TransferSyntaxUidOf(spec.Encoding));
    }

    /// <summary>
    /// Copies <paramref name="template"/> <paramref name="count"/> times into <paramref name="directory"/>,
    /// each with a new SOP Instance UID in the file meta and the data set. Not for deflated files,
    /// whose UIDs are compressed.
    /// </summary>
    public static IReadOnlyList<TestInstance> Clone(TestInstance template, string directory, int count)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.TransferSyntaxUid == TransferSyntaxUidOf(TestEncoding.DeflatedExplicitVRLittleEndian))
        {
            throw new ArgumentException("Deflated instances cannot be cloned by replacing bytes.", nameof(template));
        }

        Directory.CreateDirectory(directory);
        var bytes = File.ReadAllBytes(template.Path);
        var pattern = System.Text.Encoding.ASCII.GetBytes(template.SopInstanceUid);
        var positions = new List<int>();
        var from = 0;
        while (bytes.AsSpan(from).IndexOf(pattern) is var found and >= 0)
        {
            positions.Add(from + found);
            from += found + pattern.Length;
        }

        if (positions.Count < 2)
        {
            throw new InvalidOperationException("The template's SOP Instance UID was not found in both the file meta and the data set.");
        }

        var clones = new List<TestInstance>(count);
        for (var i = 0; i < count; i++)
        {
            var uid = NewUid();
            var replacement = System.Text.Encoding.ASCII.GetBytes(uid);
            foreach (var position in positions)
            {
                replacement.CopyTo(bytes, position);
            }

            var path = Path.Combine(directory, uid + ".dcm");
            File.WriteAllBytes(path, bytes);
            clones.Add(template with { Path = path, SopInstanceUid = uid });
        }

        return clones;
    }

    public static string TransferSyntaxUidOf(TestEncoding encoding) => encoding switch
    {
        TestEncoding.ExplicitVRLittleEndian => "1.2.840.10008.1.2.1",
        TestEncoding.ImplicitVRLittleEndian => "1.2.840.10008.1.2",
        TestEncoding.ExplicitVRBigEndian => "1.2.840.10008.1.2.2",
        TestEncoding.DeflatedExplicitVRLittleEndian => "1.2.840.10008.1.2.1.99",
        TestEncoding.RleLossless => "1.2.840.10008.1.2.5",
        TestEncoding.JpegLossless => "1.2.840.10008.1.2.4.70",
        _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
    };

    /// <summary>12-bit little-endian values: a diagonal ramp plus seeded noise, every frame shifted.</summary>
    private static byte[] Pixels(TestImageSpec spec)
    {
        var random = new Random(spec.Seed);
        var bytes = new byte[(long)spec.Rows * spec.Columns * spec.Frames * 2];
        var at = 0L;
        for (var f = 0; f < spec.Frames; f++)
        {
            for (var y = 0; y < spec.Rows; y++)
            {
                for (var x = 0; x < spec.Columns; x++)
                {
                    var value = ((x + y + (f * 7)) * 4 % 3000) + random.Next(0, 64);
                    bytes[at++] = (byte)value;
                    bytes[at++] = (byte)(value >> 8);
                }
            }
        }

        return bytes;
    }
}
