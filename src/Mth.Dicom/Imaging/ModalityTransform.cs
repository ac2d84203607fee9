using Mth.Dicom.Data;

namespace Mth.Dicom.Imaging;

/// <summary>
/// The modality LUT (PS3.3 C.11.1): stored values to modality values, by Rescale Slope and
/// Intercept (from the frame's Pixel Value Transformation functional group, else the data
/// set) or by a Modality LUT Sequence.
/// </summary>
internal sealed class ModalityTransform
{
    private readonly double _slope;
    private readonly double _intercept;
    private readonly DicomLookupTable? _lut;

    private ModalityTransform(double slope, double intercept, DicomLookupTable? lut)
    {
        _slope = slope;
        _intercept = intercept;
        _lut = lut;
    }

    public static ModalityTransform For(DicomPixelData pixels, int frame)
    {
        var dataSet = pixels.DataSet;
        var source = FunctionalGroups.Find(dataSet, frame, DicomTag.PixelValueTransformationSequence) ?? dataSet;
        if (source.TryGetDouble(DicomTag.RescaleSlope, out var slope) | source.TryGetDouble(DicomTag.RescaleIntercept, out var intercept))
        {
            return new ModalityTransform(source.Contains(DicomTag.RescaleSlope) && slope != 0 ? slope : 1, intercept, null);
        }

        if (dataSet.GetSequence(DicomTag.ModalityLUTSequence) is { Items.Count: > 0 } sequence)
        {
            return new ModalityTransform(1, 0, DicomLookupTable.Read(sequence.Items[0], DicomTag.LUTDescriptor, DicomTag.LUTData, pixels.IsSigned));
        }

        return new ModalityTransform(1, 0, null);
    }

    public double Apply(int stored) => _lut is null ? stored * _slope + _intercept : _lut[stored];

    /// <summary>The range of modality values any stored value could produce.</summary>
    public (double Min, double Max) OutputRange(DicomPixelData pixels)
    {
        if (_lut is not null)
        {
            return (0, _lut.MaxOutput);
        }

        double low = pixels.IsSigned ? -(1L << (pixels.BitsStored - 1)) : 0;
        double high = pixels.IsSigned ? (1L << (pixels.BitsStored - 1)) - 1 : (1L << pixels.BitsStored) - 1;
        var a = low * _slope + _intercept;
        var b = high * _slope + _intercept;
        return (Math.Min(a, b), Math.Max(a, b));
    }
}

/// <summary>Pixel Padding Value (0028,0120) and Pixel Padding Range Limit (0028,0121), in stored values.</summary>
internal sealed class Padding(int low, int high)
{
    public static Padding? For(DicomPixelData pixels)
    {
        var dataSet = pixels.DataSet;
        if (!dataSet.TryGetInt32(DicomTag.PixelPaddingValue, out var value))
        {
            return null;
        }

        value = Signed(value, pixels);
        var limit = dataSet.TryGetInt32(new DicomTag(0x0028, 0x0121), out var rangeLimit) ? Signed(rangeLimit, pixels) : value;
        return new Padding(Math.Min(value, limit), Math.Max(value, limit));
    }

    public bool Contains(int stored) => stored >= low && stored <= high;

    // US or SS by Pixel Representation (PS3.3 C.7.5.1.1.2); read as US in implicit VR.
    private static int Signed(int value, DicomPixelData pixels) => pixels.IsSigned && value > short.MaxValue ? value - 65536 : value;
}
