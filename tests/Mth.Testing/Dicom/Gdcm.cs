namespace Mth.Testing.Dicom;

/// <summary>
/// GDCM's command-line tools (Debian libgdcm-tools): a second DICOM implementation nobody here wrote,
/// used where dcmtk itself departs from the standard (its 8-bit YBR_FULL conversion, docs/dicom.md).
/// </summary>
public static class Gdcm
{
    private const string Package = "libgdcm-tools";

    /// <summary>
    /// GDCM's RGB conversion of an uncompressed 8-bit YBR_FULL image with planar configuration 0
    /// (gdcmconv -P RGB, then gdcmraw for the pixel bytes), as an 8-bit RGB image.
    /// GDCM converts neither YBR_FULL_422 nor planar configuration 1 this way.
    /// </summary>
    public static PnmImage ConvertToRgb(string dicomPath, int rows, int columns, TemporaryDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var converted = directory.File(Path.GetFileNameWithoutExtension(dicomPath) + ".gdcm-rgb.dcm");
        var pixels = directory.File(Path.GetFileNameWithoutExtension(dicomPath) + ".gdcm-rgb.raw");
        Checked(Dcmtk.RunFrom(Package, "gdcmconv", "-P", "RGB", dicomPath, converted), "gdcmconv");
        var dump = Checked(Dcmtk.RunFrom(Package, "gdcmdump", converted), "gdcmdump");
        if (!dump.Contains("(0028,0004) CS [RGB ]", StringComparison.Ordinal) || !dump.Contains("(0028,0006) US 0", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("gdcmconv did not produce interleaved RGB:\n" + dump);
        }

        Checked(Dcmtk.RunFrom(Package, "gdcmraw", "-i", converted, "-o", pixels, "-t", "7fe0,0010"), "gdcmraw");
        var samples = File.ReadAllBytes(pixels);
        if (samples.Length != rows * columns * 3)
        {
            throw new InvalidOperationException($"gdcmraw wrote {samples.Length} bytes, expected {rows * columns * 3}");
        }

        return new PnmImage(columns, rows, 3, samples);
    }

    private static string Checked(ToolResult result, string tool) => result.ExitCode == 0
        ? result.StandardOutput
        : throw new InvalidOperationException($"{tool} exited with {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
}
