namespace Mth.Dicom.Tests.Corpus;

/// <summary>
/// The 45 sample files of the shared data folder (its dicom/MANIFEST.md), found through the
/// MTH_SHARED_DATA environment variable (the shared data folder, or its dicom folder). The
/// files are not shipped (the NEMA ones may not be redistributed); tests over them carry the
/// trait Category=SharedCorpus so a run without the folder can exclude them. In a run that
/// includes them a missing folder or file is a failure, not a skip.
/// </summary>
internal static class SharedCorpus
{
    public const string Category = "SharedCorpus";

    /// <summary>Path relative to the corpus folder, and what this library does with its pixel data.</summary>
    public static readonly IReadOnlyList<(string File, Pixels Pixels)> Files =
    [
        ("nema-wg04/CT1_JPLL.dcm", Pixels.Unsupported),
        ("nema-wg04/MG1_J2KI.dcm", Pixels.Unsupported),
        ("nema-wg04/MR1_JPLY.dcm", Pixels.Unsupported),
        ("nema-wg04/MR1_UNC.dcm", Pixels.Decoded),
        ("nema-wg04/MR3_JLSL.dcm", Pixels.Unsupported),
        ("nema-wg04/MR4_J2KR.dcm", Pixels.Unsupported),
        ("nema-wg04/NM1_JLSN.dcm", Pixels.Unsupported),
        ("nema-wg04/RG1_JLSN.dcm", Pixels.Unsupported),
        ("nema-wg04/RG2_JPLY.dcm", Pixels.Unsupported),
        ("nema-wg04/US1_RLE.dcm", Pixels.Decoded),
        ("nema-wg04/VL1_J2KI.dcm", Pixels.Unsupported),
        ("nema-wg04/VL2_UNC.dcm", Pixels.Decoded),
        ("nema-wg04/VL6_J2KR.dcm", Pixels.Unsupported),
        ("nema-wg04/XA1_RLE.dcm", Pixels.Decoded),
        ("nibabel-deb/csa_slice_norm.dcm", Pixels.None),
        ("nibabel-deb/decimal_rescale.dcm", Pixels.Decoded),
        ("nibabel-deb/siemens_mosaic_0.dcm", Pixels.Decoded),
        ("nibabel-deb/slicethickness_empty_string.dcm", Pixels.Unsupported),
        ("pydicom-data/HTJ2KLossless_08_RGB.dcm", Pixels.Unsupported),
        ("pydicom-data/JLSL_16_15_1_1F.dcm", Pixels.Unsupported),
        ("pydicom-data/JPEG-LL.dcm", Pixels.Unsupported),
        ("pydicom-data/JPGLosslessP14SV1_1s_1f_8b.dcm", Pixels.Unsupported),
        ("pydicom-data/MR-SIEMENS-DICOM-WithOverlays.dcm", Pixels.Decoded),
        ("pydicom-data/MR2_J2KI.dcm", Pixels.Unsupported),
        ("pydicom-data/RG1_J2KI.dcm", Pixels.Unsupported),
        ("pydicom-data/US1_J2KR.dcm", Pixels.Unsupported),
        ("pydicom-data/eCT_Supplemental.dcm", Pixels.Decoded),
        ("pydicom-data/emri_small.dcm", Pixels.Decoded),
        ("pydicom-data/liver.dcm", Pixels.Decoded),
        ("pydicom-deb/CT_small.dcm", Pixels.Decoded),
        ("pydicom-deb/ExplVR_BigEnd.dcm", Pixels.Decoded),
        ("pydicom-deb/J2K_pixelrep_mismatch.dcm", Pixels.Unsupported),
        ("pydicom-deb/JPEG2000.dcm", Pixels.Unsupported),
        ("pydicom-deb/JPGExtended.dcm", Pixels.Unsupported),
        ("pydicom-deb/MR_small.dcm", Pixels.Decoded),
        ("pydicom-deb/MR_small_RLE.dcm", Pixels.Decoded),
        ("pydicom-deb/MR_small_implicit.dcm", Pixels.Decoded),
        ("pydicom-deb/MR_small_jp2klossless.dcm", Pixels.Unsupported),
        ("pydicom-deb/MR_small_jpeg_ls_lossless.dcm", Pixels.Unsupported),
        ("pydicom-deb/SC_jpeg_no_color_transform.dcm", Pixels.Unsupported),
        ("pydicom-deb/SC_rgb_jpeg_dcmtk.dcm", Pixels.Unsupported),
        ("pydicom-deb/image_dfl.dcm", Pixels.Decoded),
        // One stray byte precedes its first element: not a data set (dcmtk misreads it too).
        ("pydicom-deb/no_meta.dcm", Pixels.Refused),
        ("pydicom-deb/test-SR.dcm", Pixels.None),
        ("pydicom-deb/waveform_ecg.dcm", Pixels.None),
    ];

    public enum Pixels
    {
        /// <summary>No pixel data: nothing to render.</summary>
        None,

        /// <summary>Pixel data in a transfer syntax this library decodes.</summary>
        Decoded,

        /// <summary>Pixel data in a compressed syntax this library refuses with an unsupported-transfer-syntax error.</summary>
        Unsupported,

        /// <summary>The file itself is malformed and refused with a format error.</summary>
        Refused,
    }

    public static TheoryData<string> All() => [.. Files.Select(file => file.File)];

    public static TheoryData<string> Readable() => [.. Files.Where(file => file.Pixels != Pixels.Refused).Select(file => file.File)];

    public static TheoryData<string> WithPixels(Pixels pixels) => [.. Files.Where(file => file.Pixels == pixels).Select(file => file.File)];

    /// <summary>Full path of a corpus file; fails (never skips) when the folder or the file is missing.</summary>
    public static string PathOf(string relative)
    {
        var root = Environment.GetEnvironmentVariable("MTH_SHARED_DATA");
        Assert.False(string.IsNullOrEmpty(root), "MTH_SHARED_DATA is not set: run these tests with it pointing at the shared data folder, or exclude Category=SharedCorpus.");
        var folder = File.Exists(Path.Combine(root, "dicom", "MANIFEST.md")) ? Path.Combine(root, "dicom") : root;
        var path = Path.Combine(folder, relative);
        Assert.True(File.Exists(path), $"corpus file missing: {path}");
        return path;
    }
}
