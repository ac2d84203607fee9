namespace Mth.Dicom;

// Tags the library's own code uses, named by their PS3.6 keyword (a test checks each name
// against the dictionary).
public readonly partial record struct DicomTag
{
    // File meta information (PS3.10 7.1).
    public static readonly DicomTag FileMetaInformationGroupLength = new(0x0002, 0x0000);
    public static readonly DicomTag FileMetaInformationVersion = new(0x0002, 0x0001);
    public static readonly DicomTag MediaStorageSOPClassUID = new(0x0002, 0x0002);
    public static readonly DicomTag MediaStorageSOPInstanceUID = new(0x0002, 0x0003);
    public static readonly DicomTag TransferSyntaxUID = new(0x0002, 0x0010);
    public static readonly DicomTag ImplementationClassUID = new(0x0002, 0x0012);
    public static readonly DicomTag ImplementationVersionName = new(0x0002, 0x0013);
    public static readonly DicomTag SourceApplicationEntityTitle = new(0x0002, 0x0016);
    public static readonly DicomTag SendingApplicationEntityTitle = new(0x0002, 0x0017);
    public static readonly DicomTag ReceivingApplicationEntityTitle = new(0x0002, 0x0018);

    // SOP common, patient, study, series.
    public static readonly DicomTag SpecificCharacterSet = new(0x0008, 0x0005);
    public static readonly DicomTag SOPClassUID = new(0x0008, 0x0016);
    public static readonly DicomTag SOPInstanceUID = new(0x0008, 0x0018);
    public static readonly DicomTag StudyDate = new(0x0008, 0x0020);
    public static readonly DicomTag Modality = new(0x0008, 0x0060);
    public static readonly DicomTag PatientName = new(0x0010, 0x0010);
    public static readonly DicomTag PatientID = new(0x0010, 0x0020);
    public static readonly DicomTag BodyPartExamined = new(0x0018, 0x0015);
    public static readonly DicomTag StudyInstanceUID = new(0x0020, 0x000D);
    public static readonly DicomTag SeriesInstanceUID = new(0x0020, 0x000E);
    public static readonly DicomTag InstanceNumber = new(0x0020, 0x0013);

    // Image pixel module (PS3.3 C.7.6.3) and multi-frame.
    public static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);
    public static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);
    public static readonly DicomTag PlanarConfiguration = new(0x0028, 0x0006);
    public static readonly DicomTag NumberOfFrames = new(0x0028, 0x0008);
    public static readonly DicomTag Rows = new(0x0028, 0x0010);
    public static readonly DicomTag Columns = new(0x0028, 0x0011);
    public static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);
    public static readonly DicomTag BitsStored = new(0x0028, 0x0101);
    public static readonly DicomTag HighBit = new(0x0028, 0x0102);
    public static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    public static readonly DicomTag PixelPaddingValue = new(0x0028, 0x0120);

    // Modality and VOI LUT modules (PS3.3 C.11), palette colour (C.7.6.3.1.5, C.7.9).
    public static readonly DicomTag WindowCenter = new(0x0028, 0x1050);
    public static readonly DicomTag WindowWidth = new(0x0028, 0x1051);
    public static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    public static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);
    public static readonly DicomTag RescaleType = new(0x0028, 0x1054);
    public static readonly DicomTag WindowCenterWidthExplanation = new(0x0028, 0x1055);
    public static readonly DicomTag VOILUTFunction = new(0x0028, 0x1056);
    public static readonly DicomTag RedPaletteColorLookupTableDescriptor = new(0x0028, 0x1101);
    public static readonly DicomTag GreenPaletteColorLookupTableDescriptor = new(0x0028, 0x1102);
    public static readonly DicomTag BluePaletteColorLookupTableDescriptor = new(0x0028, 0x1103);
    public static readonly DicomTag RedPaletteColorLookupTableData = new(0x0028, 0x1201);
    public static readonly DicomTag GreenPaletteColorLookupTableData = new(0x0028, 0x1202);
    public static readonly DicomTag BluePaletteColorLookupTableData = new(0x0028, 0x1203);
    public static readonly DicomTag SegmentedRedPaletteColorLookupTableData = new(0x0028, 0x1221);
    public static readonly DicomTag SegmentedGreenPaletteColorLookupTableData = new(0x0028, 0x1222);
    public static readonly DicomTag SegmentedBluePaletteColorLookupTableData = new(0x0028, 0x1223);
    public static readonly DicomTag ModalityLUTSequence = new(0x0028, 0x3000);
    public static readonly DicomTag LUTDescriptor = new(0x0028, 0x3002);
    public static readonly DicomTag LUTExplanation = new(0x0028, 0x3003);
    public static readonly DicomTag ModalityLUTType = new(0x0028, 0x3004);
    public static readonly DicomTag LUTData = new(0x0028, 0x3006);
    public static readonly DicomTag VOILUTSequence = new(0x0028, 0x3010);
    public static readonly DicomTag FrameVOILUTSequence = new(0x0028, 0x9132);
    public static readonly DicomTag PixelValueTransformationSequence = new(0x0028, 0x9145);
    public static readonly DicomTag SharedFunctionalGroupsSequence = new(0x5200, 0x9229);
    public static readonly DicomTag PerFrameFunctionalGroupsSequence = new(0x5200, 0x9230);

    // Pixel data (PS3.5 8, A.4).
    public static readonly DicomTag ExtendedOffsetTable = new(0x7FE0, 0x0001);
    public static readonly DicomTag ExtendedOffsetTableLengths = new(0x7FE0, 0x0002);
    public static readonly DicomTag FloatPixelData = new(0x7FE0, 0x0008);
    public static readonly DicomTag DoubleFloatPixelData = new(0x7FE0, 0x0009);
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);
    public static readonly DicomTag DataSetTrailingPadding = new(0xFFFC, 0xFFFC);
}
