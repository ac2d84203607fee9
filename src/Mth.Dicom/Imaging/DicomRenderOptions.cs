using System.Globalization;

namespace Mth.Dicom.Imaging;

/// <summary>How a frame is rendered.</summary>
public sealed class DicomRenderOptions
{
    public static DicomRenderOptions Default { get; } = new();

    /// <summary>Frame index from 0; null renders the middle frame (index NumberOfFrames / 2).</summary>
    public int? Frame { get; init; }

    /// <summary>Which VOI transformation maps modality values of grey images to [0, 1].</summary>
    public DicomVoiSelection Voi { get; init; } = DicomVoiSelection.Default;

    /// <summary>
    /// Leave Pixel Padding Value (0028,0120) pixels (and the range up to Pixel Padding Range
    /// Limit) out when the VOI comes from the frame's minimum and maximum (PS3.3 C.7.5.1.1.2
    /// says padding is not image content). False reproduces readers that include them.
    /// </summary>
    public bool ExcludePaddingFromMinMax { get; init; } = true;
}

/// <summary>What kind of VOI transformation was or is to be applied.</summary>
public enum DicomVoiKind
{
    /// <summary>Window centre/width from the data set (Window Center/Width, or Frame VOI LUT in functional groups).</summary>
    Window,

    /// <summary>A VOI LUT Sequence item.</summary>
    Lut,

    /// <summary>A linear window from the minimum to the maximum modality value of the frame.</summary>
    MinMax,

    /// <summary>A window given by the caller.</summary>
    Explicit,

    /// <summary>No VOI: the whole range the modality values can take maps to [0, 1].</summary>
    FullRange,
}

/// <summary>
/// A VOI choice (PS3.3 C.11.2). The default takes the first window of the data set, else its
/// first VOI LUT, else the frame's minimum and maximum.
/// </summary>
public sealed record DicomVoiSelection(DicomVoiKind? Kind, int Index = 0, double Center = 0, double Width = 0)
{
    public static DicomVoiSelection Default { get; } = new((DicomVoiKind?)null);

    public static DicomVoiSelection MinMax { get; } = new(DicomVoiKind.MinMax);

    public static DicomVoiSelection FullRange { get; } = new(DicomVoiKind.FullRange);

    /// <summary>The data set's window number <paramref name="index"/> (from 0); its absence is an error.</summary>
    public static DicomVoiSelection Window(int index) => new(DicomVoiKind.Window, index);

    /// <summary>The data set's VOI LUT number <paramref name="index"/> (from 0); its absence is an error.</summary>
    public static DicomVoiSelection Lut(int index) => new(DicomVoiKind.Lut, index);

    public static DicomVoiSelection Explicit(double center, double width) => new(DicomVoiKind.Explicit, 0, center, width);

    public override string ToString() => Kind switch
    {
        null => "default",
        DicomVoiKind.Window => $"window {Index + 1}",
        DicomVoiKind.Lut => $"VOI LUT {Index + 1}",
        DicomVoiKind.Explicit => string.Create(CultureInfo.InvariantCulture, $"window {Center}/{Width}"),
        DicomVoiKind.MinMax => "min-max",
        _ => "full range",
    };
}

/// <summary>The VOI a rendering used.</summary>
/// <param name="Function">For windows: LINEAR, LINEAR_EXACT or SIGMOID (VOI LUT Function, PS3.3 C.11.2.1.3).</param>
/// <param name="FromFunctionalGroups">The window came from the Frame VOI LUT functional group of an enhanced multi-frame image.</param>
public sealed record DicomAppliedVoi(DicomVoiKind Kind, int Index, double Center, double Width, string Function, bool FromFunctionalGroups = false);
