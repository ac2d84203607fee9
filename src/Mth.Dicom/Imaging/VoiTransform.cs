using Mth.Dicom.Data;

namespace Mth.Dicom.Imaging;

/// <summary>Finds the VOI of a frame (PS3.3 C.11.2) and maps modality values to [0, 1] with it.</summary>
internal sealed class VoiSource(DicomPixelData pixels, int frame)
{
    private readonly DicomDataSet? _frameVoi = FunctionalGroups.Find(pixels.DataSet, frame, DicomTag.FrameVOILUTSequence);

    private DicomDataSet WindowSource => _frameVoi ?? pixels.DataSet;

    public int WindowCount => Math.Min(WindowSource.GetValueCount(DicomTag.WindowCenter), WindowSource.GetValueCount(DicomTag.WindowWidth));

    public int LutCount => pixels.DataSet.GetSequence(DicomTag.VOILUTSequence)?.Items.Count ?? 0;

    public VoiTransform Resolve(DicomVoiSelection selection, Func<(double Min, double Max)> minMax, (double Min, double Max) fullRange)
    {
        switch (selection.Kind)
        {
            case null:
                for (var i = 0; i < WindowCount; i++)
                {
                    if (TryWindow(i, out var window))
                    {
                        return window;
                    }
                }

                return LutCount > 0 ? Lut(0) : MinMax(minMax());
            case DicomVoiKind.Window:
                if (selection.Index < 0 || selection.Index >= WindowCount)
                {
                    throw new DicomImageException($"The image has {WindowCount} window(s); window {selection.Index + 1} was asked for.");
                }

                return TryWindow(selection.Index, out var chosen) ? chosen : throw new DicomImageException($"Window {selection.Index + 1} is not valid (width below 1 or not a number).");
            case DicomVoiKind.Lut:
                if (selection.Index < 0 || selection.Index >= LutCount)
                {
                    throw new DicomImageException($"The image has {LutCount} VOI LUT(s); VOI LUT {selection.Index + 1} was asked for.");
                }

                return Lut(selection.Index);
            case DicomVoiKind.Explicit:
                if (!(selection.Width >= 1) || !double.IsFinite(selection.Center))
                {
                    throw new DicomImageException("A window needs a finite centre and a width of at least 1.");
                }

                return VoiTransform.Window(DicomVoiKind.Explicit, 0, selection.Center, selection.Width, Function());
            case DicomVoiKind.MinMax:
                return MinMax(minMax());
            default:
                return VoiTransform.Range(DicomVoiKind.FullRange, fullRange.Min, fullRange.Max);
        }
    }

    private bool TryWindow(int index, out VoiTransform window)
    {
        window = null!;
        if (!WindowSource.TryGetDouble(DicomTag.WindowCenter, out var center, index)
            || !WindowSource.TryGetDouble(DicomTag.WindowWidth, out var width, index)
            || !(width >= 1))
        {
            return false;
        }

        window = VoiTransform.Window(DicomVoiKind.Window, index, center, width, Function(), _frameVoi is not null);
        return true;
    }

    private string Function() => WindowSource.GetString(DicomTag.VOILUTFunction) is { Length: > 0 } function ? function.ToUpperInvariant() : "LINEAR";

    private VoiTransform Lut(int index)
    {
        var item = pixels.DataSet.GetSequence(DicomTag.VOILUTSequence)!.Items[index];
        return VoiTransform.FromLut(index, DicomLookupTable.Read(item, DicomTag.LUTDescriptor, DicomTag.LUTData, pixels.IsSigned));
    }

    private static VoiTransform MinMax((double Min, double Max) range) => VoiTransform.Range(DicomVoiKind.MinMax, range.Min, range.Max);
}

/// <summary>A VOI transformation: modality value to [0, 1].</summary>
internal sealed class VoiTransform
{
    private readonly Func<double, float> _map;

    private VoiTransform(DicomAppliedVoi applied, Func<double, float> map)
    {
        Applied = applied;
        _map = map;
    }

    public DicomAppliedVoi Applied { get; }

    public float Map(double value) => _map(value);

    /// <summary>Window centre/width with the VOI LUT Function of PS3.3 C.11.2.1.2-3.</summary>
    public static VoiTransform Window(DicomVoiKind kind, int index, double center, double width, string function, bool fromFunctionalGroups = false)
    {
        Func<double, float> map = function switch
        {
            "LINEAR_EXACT" => x => (float)Math.Clamp((x - center) / width + 0.5, 0, 1),
            "SIGMOID" => x => (float)(1 / (1 + Math.Exp(-4 * (x - center) / width))),
            _ => Linear(center, width),
        };
        var applied = new DicomAppliedVoi(kind, index, center, width, function is "LINEAR_EXACT" or "SIGMOID" ? function : "LINEAR", fromFunctionalGroups);
        return new VoiTransform(applied, map);
    }

    /// <summary>
    /// Maps [min, max] linearly to [0, 1]. Reported as the LINEAR window that does the same:
    /// centre (min + max + 1) / 2, width max - min + 1.
    /// </summary>
    public static VoiTransform Range(DicomVoiKind kind, double min, double max)
    {
        var applied = new DicomAppliedVoi(kind, 0, (min + max + 1) / 2, max - min + 1, "LINEAR");
        if (max <= min)
        {
            // A constant frame: the LINEAR window of width 1 puts it at the bottom.
            return new VoiTransform(applied, x => x > min ? 1f : 0f);
        }

        var scale = 1 / (max - min);
        return new VoiTransform(applied, x => (float)Math.Clamp((x - min) * scale, 0, 1));
    }

    public static VoiTransform FromLut(int index, DicomLookupTable lut)
    {
        var applied = new DicomAppliedVoi(DicomVoiKind.Lut, index, double.NaN, double.NaN, "LUT");
        return new VoiTransform(applied, x => lut.Normalized((int)Math.Round(x)));
    }

    /// <summary>LINEAR (PS3.3 C.11.2.1.2.1): c - 0.5 and w - 1, so that integer inputs land where the standard says.</summary>
    private static Func<double, float> Linear(double center, double width)
    {
        var low = center - 0.5 - (width - 1) / 2;
        var high = center - 0.5 + (width - 1) / 2;
        if (width <= 1)
        {
            return x => x <= low ? 0f : 1f;
        }

        return x => x <= low ? 0f : x > high ? 1f : (float)((x - (center - 0.5)) / (width - 1) + 0.5);
    }
}
