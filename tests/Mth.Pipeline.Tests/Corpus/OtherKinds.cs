using Mth.Testing.Dicom;

namespace Mth.Pipeline.Tests.Corpus;

/// <summary>
/// Synthetic instances of the kinds a hospital sends besides MR slices, each in its own study: a computed
/// radiograph stored MONOCHROME1, a CT with signed 16-bit values, an RGB secondary capture (all searchable),
/// and a structured report without pixel data (stored, skipped with a reason, never indexed).
/// </summary>
public static class OtherKinds
{
    public static IReadOnlyList<PushedInstance> Write(string directory)
    {
        var instances = new (SyntheticInstance Instance, string Kind)[]
        {
            (new SyntheticInstance { SopClassUid = SyntheticInstance.ComputedRadiographyImageStorage, Modality = "CR", BodyPartExamined = "CHEST", PixelKind = SyntheticPixelKind.Monochrome1Grey8, Rows = 64, Columns = 48, Seed = 11 }, "CR, MONOCHROME1"),
            (new SyntheticInstance { SopClassUid = SyntheticInstance.CTImageStorage, Modality = "CT", BodyPartExamined = "HEAD", PixelKind = SyntheticPixelKind.SignedGrey16, Rows = 64, Columns = 64, Seed = 12 }, "CT, 16-bit signed"),
            (new SyntheticInstance { SopClassUid = SyntheticInstance.SecondaryCaptureImageStorage, Modality = "OT", BodyPartExamined = "", PixelKind = SyntheticPixelKind.Rgb8, Rows = 40, Columns = 56, Seed = 13 }, "secondary capture, RGB"),
            (new SyntheticInstance { SopClassUid = SyntheticInstance.BasicTextSR, Modality = "SR", BodyPartExamined = "", WithPixelData = false }, "structured report, no pixel data"),
        };
        return [.. instances.Select(i => new PushedInstance(
            i.Instance.WriteTo(Path.Combine(directory, i.Instance.SopInstanceUid + ".dcm")), i.Kind, null,
            i.Instance.SopInstanceUid, i.Instance.SeriesInstanceUid, i.Instance.StudyInstanceUid, i.Instance.Modality, i.Instance.WithPixelData))];
    }
}
