namespace Mth.Dicom.Network;

/// <summary>
/// The standard image storage SOP classes (PS3.4 annex B.5, UIDs from PS3.6 annex A): every
/// storage SOP class whose IOD carries pixel data meant to be viewed as an image. Retired
/// classes still sent by older modalities are included.
/// </summary>
public static class StorageSopClasses
{
    public const string ComputedRadiographyImage = "1.2.840.10008.5.1.4.1.1.1";
    public const string DigitalXRayImageForPresentation = "1.2.840.10008.5.1.4.1.1.1.1";
    public const string DigitalXRayImageForProcessing = "1.2.840.10008.5.1.4.1.1.1.1.1";
    public const string DigitalMammographyXRayImageForPresentation = "1.2.840.10008.5.1.4.1.1.1.2";
    public const string DigitalMammographyXRayImageForProcessing = "1.2.840.10008.5.1.4.1.1.1.2.1";
    public const string DigitalIntraOralXRayImageForPresentation = "1.2.840.10008.5.1.4.1.1.1.3";
    public const string DigitalIntraOralXRayImageForProcessing = "1.2.840.10008.5.1.4.1.1.1.3.1";
    public const string CTImage = "1.2.840.10008.5.1.4.1.1.2";
    public const string EnhancedCTImage = "1.2.840.10008.5.1.4.1.1.2.1";
    public const string LegacyConvertedEnhancedCTImage = "1.2.840.10008.5.1.4.1.1.2.2";
    public const string UltrasoundMultiFrameImageRetired = "1.2.840.10008.5.1.4.1.1.3";
    public const string UltrasoundMultiFrameImage = "1.2.840.10008.5.1.4.1.1.3.1";
    public const string MRImage = "1.2.840.10008.5.1.4.1.1.4";
    public const string EnhancedMRImage = "1.2.840.10008.5.1.4.1.1.4.1";
    public const string EnhancedMRColorImage = "1.2.840.10008.5.1.4.1.1.4.3";
    public const string LegacyConvertedEnhancedMRImage = "1.2.840.10008.5.1.4.1.1.4.4";
    public const string NuclearMedicineImageRetired = "1.2.840.10008.5.1.4.1.1.5";
    public const string UltrasoundImageRetired = "1.2.840.10008.5.1.4.1.1.6";
    public const string UltrasoundImage = "1.2.840.10008.5.1.4.1.1.6.1";
    public const string EnhancedUSVolume = "1.2.840.10008.5.1.4.1.1.6.2";
    public const string PhotoacousticImage = "1.2.840.10008.5.1.4.1.1.6.3";
    public const string SecondaryCaptureImage = "1.2.840.10008.5.1.4.1.1.7";
    public const string MultiFrameSingleBitSecondaryCaptureImage = "1.2.840.10008.5.1.4.1.1.7.1";
    public const string MultiFrameGrayscaleByteSecondaryCaptureImage = "1.2.840.10008.5.1.4.1.1.7.2";
    public const string MultiFrameGrayscaleWordSecondaryCaptureImage = "1.2.840.10008.5.1.4.1.1.7.3";
    public const string MultiFrameTrueColorSecondaryCaptureImage = "1.2.840.10008.5.1.4.1.1.7.4";
    public const string XRayAngiographicImage = "1.2.840.10008.5.1.4.1.1.12.1";
    public const string EnhancedXAImage = "1.2.840.10008.5.1.4.1.1.12.1.1";
    public const string XRayRadiofluoroscopicImage = "1.2.840.10008.5.1.4.1.1.12.2";
    public const string EnhancedXRFImage = "1.2.840.10008.5.1.4.1.1.12.2.1";
    public const string XRayAngiographicBiPlaneImageRetired = "1.2.840.10008.5.1.4.1.1.12.3";
    public const string XRay3DAngiographicImage = "1.2.840.10008.5.1.4.1.1.13.1.1";
    public const string XRay3DCraniofacialImage = "1.2.840.10008.5.1.4.1.1.13.1.2";
    public const string BreastTomosynthesisImage = "1.2.840.10008.5.1.4.1.1.13.1.3";
    public const string BreastProjectionXRayImageForPresentation = "1.2.840.10008.5.1.4.1.1.13.1.4";
    public const string BreastProjectionXRayImageForProcessing = "1.2.840.10008.5.1.4.1.1.13.1.5";
    public const string IntravascularOpticalCoherenceTomographyImageForPresentation = "1.2.840.10008.5.1.4.1.1.14.1";
    public const string IntravascularOpticalCoherenceTomographyImageForProcessing = "1.2.840.10008.5.1.4.1.1.14.2";
    public const string NuclearMedicineImage = "1.2.840.10008.5.1.4.1.1.20";
    public const string ParametricMap = "1.2.840.10008.5.1.4.1.1.30";
    public const string VLEndoscopicImage = "1.2.840.10008.5.1.4.1.1.77.1.1";
    public const string VideoEndoscopicImage = "1.2.840.10008.5.1.4.1.1.77.1.1.1";
    public const string VLMicroscopicImage = "1.2.840.10008.5.1.4.1.1.77.1.2";
    public const string VideoMicroscopicImage = "1.2.840.10008.5.1.4.1.1.77.1.2.1";
    public const string VLSlideCoordinatesMicroscopicImage = "1.2.840.10008.5.1.4.1.1.77.1.3";
    public const string VLPhotographicImage = "1.2.840.10008.5.1.4.1.1.77.1.4";
    public const string VideoPhotographicImage = "1.2.840.10008.5.1.4.1.1.77.1.4.1";
    public const string OphthalmicPhotography8BitImage = "1.2.840.10008.5.1.4.1.1.77.1.5.1";
    public const string OphthalmicPhotography16BitImage = "1.2.840.10008.5.1.4.1.1.77.1.5.2";
    public const string OphthalmicTomographyImage = "1.2.840.10008.5.1.4.1.1.77.1.5.4";
    public const string WideFieldOphthalmicPhotographyStereographicProjectionImage = "1.2.840.10008.5.1.4.1.1.77.1.5.5";
    public const string WideFieldOphthalmicPhotography3DCoordinatesImage = "1.2.840.10008.5.1.4.1.1.77.1.5.6";
    public const string OphthalmicOpticalCoherenceTomographyEnFaceImage = "1.2.840.10008.5.1.4.1.1.77.1.5.7";
    public const string OphthalmicOpticalCoherenceTomographyBScanVolumeAnalysis = "1.2.840.10008.5.1.4.1.1.77.1.5.8";
    public const string VLWholeSlideMicroscopyImage = "1.2.840.10008.5.1.4.1.1.77.1.6";
    public const string DermoscopicPhotographyImage = "1.2.840.10008.5.1.4.1.1.77.1.7";
    public const string OphthalmicThicknessMap = "1.2.840.10008.5.1.4.1.1.81.1";
    public const string CornealTopographyMap = "1.2.840.10008.5.1.4.1.1.82.1";
    public const string PositronEmissionTomographyImage = "1.2.840.10008.5.1.4.1.1.128";
    public const string LegacyConvertedEnhancedPETImage = "1.2.840.10008.5.1.4.1.1.128.1";
    public const string EnhancedPETImage = "1.2.840.10008.5.1.4.1.1.130";
    public const string RTImage = "1.2.840.10008.5.1.4.1.1.481.1";

    /// <summary>All of the above: the default storage SOP classes of the storage SCP.</summary>
    public static IReadOnlyList<string> Images { get; } =
    [
        ComputedRadiographyImage, DigitalXRayImageForPresentation, DigitalXRayImageForProcessing,
        DigitalMammographyXRayImageForPresentation, DigitalMammographyXRayImageForProcessing,
        DigitalIntraOralXRayImageForPresentation, DigitalIntraOralXRayImageForProcessing,
        CTImage, EnhancedCTImage, LegacyConvertedEnhancedCTImage,
        UltrasoundMultiFrameImageRetired, UltrasoundMultiFrameImage,
        MRImage, EnhancedMRImage, EnhancedMRColorImage, LegacyConvertedEnhancedMRImage,
        NuclearMedicineImageRetired, UltrasoundImageRetired, UltrasoundImage, EnhancedUSVolume, PhotoacousticImage,
        SecondaryCaptureImage, MultiFrameSingleBitSecondaryCaptureImage, MultiFrameGrayscaleByteSecondaryCaptureImage,
        MultiFrameGrayscaleWordSecondaryCaptureImage, MultiFrameTrueColorSecondaryCaptureImage,
        XRayAngiographicImage, EnhancedXAImage, XRayRadiofluoroscopicImage, EnhancedXRFImage, XRayAngiographicBiPlaneImageRetired,
        XRay3DAngiographicImage, XRay3DCraniofacialImage, BreastTomosynthesisImage,
        BreastProjectionXRayImageForPresentation, BreastProjectionXRayImageForProcessing,
        IntravascularOpticalCoherenceTomographyImageForPresentation, IntravascularOpticalCoherenceTomographyImageForProcessing,
        NuclearMedicineImage, ParametricMap,
        VLEndoscopicImage, VideoEndoscopicImage, VLMicroscopicImage, VideoMicroscopicImage, VLSlideCoordinatesMicroscopicImage,
        VLPhotographicImage, VideoPhotographicImage,
        OphthalmicPhotography8BitImage, OphthalmicPhotography16BitImage, OphthalmicTomographyImage,
        WideFieldOphthalmicPhotographyStereographicProjectionImage, WideFieldOphthalmicPhotography3DCoordinatesImage,
        OphthalmicOpticalCoherenceTomographyEnFaceImage, OphthalmicOpticalCoherenceTomographyBScanVolumeAnalysis,
        VLWholeSlideMicroscopyImage, DermoscopicPhotographyImage, OphthalmicThicknessMap, CornealTopographyMap,
        PositronEmissionTomographyImage, LegacyConvertedEnhancedPETImage, EnhancedPETImage, RTImage,
    ];
}
