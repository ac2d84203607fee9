using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

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

/// <summary>What to generate: a grey image of the given size and frames, in one SOP class and encoding.</summary>
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
/// Generates DICOM test instances at test time with dcmtk's dump2dcm (and dcmcrle/dcmcjpeg for
/// compressed encodings) from a small text dump: synthetic patient, seeded pixels. Copies with
/// fresh SOP Instance UIDs are made by replacing the UID's bytes, which works because every
/// generated UID has the same length; so a thousand instances cost one dump2dcm run.
/// </summary>
public static class DicomTestInstances
{
    /// <summary>Length in digits of the random part of every generated UID ("2.25." + 38 digits).</summary>
    private const int UidDigits = 38;

    public static string NewUid()
    {
        var min = BigInteger.Pow(10, UidDigits - 1);
        var span = BigInteger.Pow(10, UidDigits) - min;
        var bytes = RandomNumberGenerator.GetBytes(20);
        var value = min + (new BigInteger(bytes, isUnsigned: true) % span);
        return "2.25." + value.ToString(CultureInfo.InvariantCulture);
    }

    public static async Task<TestInstance> CreateAsync(string directory, TestImageSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Directory.CreateDirectory(directory);
        var sopInstanceUid = NewUid();
        var stem = Path.Combine(directory, "gen-" + Guid.NewGuid().ToString("N"));
        var pixels = stem + ".raw";
        var dump = stem + ".dump";
        var native = stem + ".native.dcm";
        var output = Path.Combine(directory, sopInstanceUid + ".dcm");
        await WritePixelsAsync(pixels, spec, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(dump, DumpText(spec, sopInstanceUid, pixels), cancellationToken).ConfigureAwait(false);

        var (dumpOption, converter) = spec.Encoding switch
        {
            TestEncoding.ExplicitVRLittleEndian => ("+te", null),
            TestEncoding.ImplicitVRLittleEndian => ("+ti", null),
            TestEncoding.ExplicitVRBigEndian => ("+tb", null),
            TestEncoding.DeflatedExplicitVRLittleEndian => ("+td", null),
            TestEncoding.RleLossless => ("+te", (string[]?)["dcmcrle"]),
            TestEncoding.JpegLossless => ("+te", ["dcmcjpeg", "+e1"]),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };

        var target = converter is null ? output : native;
        await RunOrThrowAsync("dump2dcm", [dumpOption, dump, target], cancellationToken).ConfigureAwait(false);
        if (converter is not null)
        {
            await RunOrThrowAsync(converter[0], [.. converter[1..], native, output], cancellationToken).ConfigureAwait(false);
            File.Delete(native);
        }

        File.Delete(pixels);
        File.Delete(dump);
        return new TestInstance(output, spec.SopClassUid, sopInstanceUid, TransferSyntaxUidOf(spec.Encoding));
    }

    /// <summary>
    /// Copies <paramref name="template"/> <paramref name="count"/> times, each with a new SOP
    /// Instance UID (in the file meta and the data set). Not for deflated files, whose UIDs are compressed.
    /// </summary>
    public static IReadOnlyList<TestInstance> Clone(TestInstance template, string directory, int count)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.TransferSyntaxUid == "1.2.840.10008.1.2.1.99")
        {
            throw new ArgumentException("Deflated instances cannot be cloned by replacing bytes.", nameof(template));
        }

        Directory.CreateDirectory(directory);
        var bytes = File.ReadAllBytes(template.Path);
        var pattern = Encoding.ASCII.GetBytes(template.SopInstanceUid);
        var positions = new List<int>();
        for (var at = bytes.AsSpan().IndexOf(pattern); at >= 0;)
        {
            positions.Add(at);
            var next = bytes.AsSpan(at + 1).IndexOf(pattern);
            at = next < 0 ? -1 : at + 1 + next;
        }

        if (positions.Count < 2)
        {
            throw new InvalidOperationException("The template's SOP Instance UID was not found in both the file meta and the data set.");
        }

        var clones = new List<TestInstance>(count);
        for (var i = 0; i < count; i++)
        {
            var uid = NewUid();
            var replacement = Encoding.ASCII.GetBytes(uid);
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

    private static string DumpText(TestImageSpec spec, string sopInstanceUid, string pixelFile)
    {
        var text = new StringBuilder();
        void Line(string tag, string vr, string value) => text.Append(CultureInfo.InvariantCulture, $"({tag}) {vr} {value}\n");
        Line("0008,0008", "CS", "[ORIGINAL\\PRIMARY\\AXIAL]");
        Line("0008,0016", "UI", $"[{spec.SopClassUid}]");
        Line("0008,0018", "UI", $"[{sopInstanceUid}]");
        Line("0008,0020", "DA", "[20240101]");
        Line("0008,0060", "CS", "[CT]");
        Line("0010,0010", "PN", "[Synthetic^Test]");
        Line("0010,0020", "LO", "[SYNTHETIC-0001]");
        Line("0020,000d", "UI", $"[{NewUid()}]");
        Line("0020,000e", "UI", $"[{NewUid()}]");
        Line("0020,0013", "IS", "[1]");
        Line("0028,0002", "US", "1");
        Line("0028,0004", "CS", "[MONOCHROME2]");
        if (spec.Frames > 1)
        {
            Line("0028,0008", "IS", $"[{spec.Frames}]");
        }

        Line("0028,0010", "US", spec.Rows.ToString(CultureInfo.InvariantCulture));
        Line("0028,0011", "US", spec.Columns.ToString(CultureInfo.InvariantCulture));
        Line("0028,0100", "US", "16");
        Line("0028,0101", "US", "12");
        Line("0028,0102", "US", "11");
        Line("0028,0103", "US", "0");
        Line("0028,1050", "DS", "[400]");
        Line("0028,1051", "DS", "[1600]");
        Line("0028,1052", "DS", "[-1024]");
        Line("0028,1053", "DS", "[1]");
        Line("7fe0,0010", "OW", "=" + pixelFile);
        return text.ToString();
    }

    /// <summary>12-bit values: a diagonal ramp plus seeded noise, written frame by frame.</summary>
    private static async Task WritePixelsAsync(string path, TestImageSpec spec, CancellationToken cancellationToken)
    {
        var random = new Random(spec.Seed);
        var frame = new byte[spec.Rows * spec.Columns * 2];
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (var f = 0; f < spec.Frames; f++)
        {
            for (var y = 0; y < spec.Rows; y++)
            {
                for (var x = 0; x < spec.Columns; x++)
                {
                    var value = ((x + y + (f * 7)) * 4 % 3000) + random.Next(0, 64);
                    var at = ((y * spec.Columns) + x) * 2;
                    frame[at] = (byte)value;
                    frame[at + 1] = (byte)(value >> 8);
                }
            }

            await file.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RunOrThrowAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var result = await DcmtkTools.RunAsync(tool, arguments, TimeSpan.FromMinutes(5), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{tool} failed: {result}");
        }
    }
}
