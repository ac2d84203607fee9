using Mth.Dicom.Imaging;
using Mth.Dicom.IO;
using Mth.Imaging;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Imaging;

/// <summary>Renders a file with our renderer and with dcmj2pnm and compares them in 8-bit grey levels.</summary>
internal static class RenderComparison
{
    /// <summary>dcmj2pnm options that make dcmtk apply the same VOI as ours did.</summary>
    public static string[] DcmtkVoiOptions(DicomAppliedVoi? voi) => voi switch
    {
        null => [],
        // dcmtk 3.6.7 does not read windows from functional groups: hand it the window.
        { Kind: DicomVoiKind.Window, FromFunctionalGroups: false } => ["+Wi", (voi.Index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)],
        { Kind: DicomVoiKind.Lut } => ["+Wl", (voi.Index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)],
        // Min-max, explicit and full-range VOIs are reported as the LINEAR window that does the same.
        _ => ["+Ww", voi.Center.ToString("R", System.Globalization.CultureInfo.InvariantCulture), voi.Width.ToString("R", System.Globalization.CultureInfo.InvariantCulture)],
    };

    /// <summary>Largest difference, in 8-bit grey levels, between our rendering and dcmtk's of the same frame with the same VOI.</summary>
    public static int MaxDifference(string path, TemporaryDirectory directory, DicomRenderOptions? options = null, params string[] extraDcmtkOptions) =>
        MaxDifference(path, directory, 1, options, extraDcmtkOptions);

    /// <summary>As above, failing beyond <paramref name="tolerance"/> grey levels.</summary>
    public static int MaxDifference(string path, TemporaryDirectory directory, int tolerance, DicomRenderOptions? options = null, params string[] extraDcmtkOptions)
    {
        DicomRenderedImage ours;
        string[] readOptions;
        using (var file = DicomFile.Open(path))
        {
            ours = DicomImageRenderer.Render(file, options);
            readOptions = file.IsBareDataSet ? ["-f"] : [];
        }

        var theirs = PnmImage.RenderWithDcmtk(path, directory.File("dcmtk.pnm"),
            [.. readOptions, "+F", (ours.Frame + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), .. DcmtkVoiOptions(ours.Voi), .. extraDcmtkOptions]);
        return MaxDifference(ours.Image, theirs, tolerance);
    }

    public static int MaxDifference(FloatImage ours, PnmImage theirs, int tolerance = 1)
    {
        Assert.Equal((theirs.Width, theirs.Height, theirs.Channels), (ours.Width, ours.Height, ours.Channels));
        var max = 0;
        var worst = string.Empty;
        var count = 0;
        for (var c = 0; c < ours.Channels; c++)
        {
            for (var y = 0; y < ours.Height; y++)
            {
                for (var x = 0; x < ours.Width; x++)
                {
                    var difference = Math.Abs(PngEncoder.ToByte(ours[c, y, x]) - theirs[c, y, x]);
                    count += difference > tolerance ? 1 : 0;
                    if (difference > max)
                    {
                        max = difference;
                        worst = $"channel {c} at ({x},{y}): ours {PngEncoder.ToByte(ours[c, y, x])} ({ours[c, y, x]}), dcmtk {theirs[c, y, x]}";
                    }
                }
            }
        }

        Assert.True(max <= tolerance, $"{count} samples differ by more than {tolerance} grey level(s); the largest difference is {max}, {worst}");
        return max;
    }
}
