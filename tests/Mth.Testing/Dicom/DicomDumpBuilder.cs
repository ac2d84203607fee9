using System.Globalization;
using System.Text;

namespace Mth.Testing.Dicom;

/// <summary>Where a fixture is written by dump2dcm: the four uncompressed transfer syntaxes.</summary>
public enum FixtureEncoding
{
    ExplicitLittle,
    ImplicitLittle,
    ExplicitBig,
    Deflated,
}

/// <summary>
/// Builds DICOM test fixtures at test time with dcmtk's dump2dcm: the text lines of a dcmdump
/// listing (values in Latin-1 bytes as dump2dcm reads them) and, for pixel data, raw bytes
/// written next to it. Nothing binary needs to be committed and every file is produced by an
/// implementation other than ours.
/// </summary>
public sealed class DicomDumpBuilder
{
    private readonly List<string> _lines = [];
    private readonly List<(string Name, byte[] Bytes)> _binaries = [];

    /// <summary>A standard start: SOP common (secondary capture unless given) with a fresh instance UID.</summary>
    public static DicomDumpBuilder WithSopCommon(string sopClassUid = "1.2.840.10008.5.1.4.1.1.7", string? sopInstanceUid = null)
    {
        var builder = new DicomDumpBuilder();
        builder.Add($"(0008,0016) UI [{sopClassUid}]");
        builder.Add($"(0008,0018) UI [{sopInstanceUid ?? NewUid()}]");
        return builder;
    }

    public static string NewUid() => "2.25." + new System.Numerics.BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true).ToString(CultureInfo.InvariantCulture);

    /// <summary>One dcmdump line, for example <c>(0010,0010) PN [Doe^Jane]</c>.</summary>
    public DicomDumpBuilder Add(string line)
    {
        _lines.Add(line);
        return this;
    }

    /// <summary>An element whose value is raw bytes (OB, OW …) read by dump2dcm from a file.</summary>
    public DicomDumpBuilder AddBinary(string tag, string vr, byte[] bytes)
    {
        var name = $"value{_binaries.Count}.raw";
        _binaries.Add((name, bytes));
        _lines.Add($"({tag}) {vr} ={BinaryMarker}{name}");
        return this;
    }

    private const string BinaryMarker = "<binary-dir>/";

    /// <summary>Image pixel module attributes for native pixel data.</summary>
    public DicomDumpBuilder AddImagePixel(int rows, int columns, int bitsAllocated, int bitsStored, int pixelRepresentation,
        string photometric = "MONOCHROME2", int samplesPerPixel = 1, int planarConfiguration = -1, int frames = 0)
    {
        Add($"(0028,0002) US {samplesPerPixel}");
        Add($"(0028,0004) CS [{photometric}]");
        if (planarConfiguration >= 0)
        {
            Add($"(0028,0006) US {planarConfiguration}");
        }

        if (frames > 0)
        {
            Add($"(0028,0008) IS [{frames}]");
        }

        Add($"(0028,0010) US {rows}");
        Add($"(0028,0011) US {columns}");
        Add($"(0028,0100) US {bitsAllocated}");
        Add($"(0028,0101) US {bitsStored}");
        Add($"(0028,0102) US {bitsStored - 1}");
        Add($"(0028,0103) US {pixelRepresentation}");
        return this;
    }

    /// <summary>
    /// Writes the fixture with dump2dcm and returns its path. Elements are sorted by dump2dcm.
    /// Extra dump2dcm options (for example <c>-e</c> for undefined lengths) come last.
    /// </summary>
    public string Write(TemporaryDirectory directory, string name, FixtureEncoding encoding = FixtureEncoding.ExplicitLittle, params string[] options)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var work = Path.Combine(directory.Path, name + ".parts");
        Directory.CreateDirectory(work);
        foreach (var (binaryName, bytes) in _binaries)
        {
            File.WriteAllBytes(Path.Combine(work, binaryName), bytes);
        }

        var dump = Path.Combine(work, "fixture.dump");
        var text = string.Join('\n', _lines).Replace(BinaryMarker, work + "/", StringComparison.Ordinal) + "\n";
        File.WriteAllText(dump, text, System.Text.Encoding.Latin1);
        var output = directory.File(name);
        var transfer = encoding switch
        {
            FixtureEncoding.ImplicitLittle => "+ti",
            FixtureEncoding.ExplicitBig => "+tb",
            FixtureEncoding.Deflated => "+td",
            _ => "+te",
        };

        Dcmtk.RunChecked("dump2dcm", ["-q", transfer, .. options, dump, output]);

        return output;
    }
}
