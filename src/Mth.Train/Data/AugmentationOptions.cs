namespace Mth.Train.Data;

/// <summary>
/// Random changes to a training image, applied after resizing to S x S and before
/// normalisation. Every value 0 / false (<see cref="None"/>) leaves images untouched.
/// </summary>
public sealed record AugmentationOptions
{
    public static AugmentationOptions None { get; } = new();

    /// <summary>A mild default for medical images: flips left-right, 5% shifts, 10 degree rotations, 10% zoom, 10% intensity.</summary>
    public static AugmentationOptions Standard { get; } = new()
    {
        HorizontalFlip = true,
        MaxShiftFraction = 0.05,
        MaxRotationDegrees = 10,
        MaxScaleChange = 0.1,
        MaxBrightness = 0.1,
        MaxContrastChange = 0.1,
    };

    /// <summary>Mirror left-right with probability 1/2.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Mirror top-bottom with probability 1/2 (off by default: anatomy has an up).</summary>
    public bool VerticalFlip { get; init; }

    /// <summary>Shift along each axis, uniform in ±this fraction of S.</summary>
    public double MaxShiftFraction { get; init; }

    /// <summary>Rotation about the centre, uniform in ±degrees.</summary>
    public double MaxRotationDegrees { get; init; }

    /// <summary>Zoom factor uniform in [1 - this, 1 + this].</summary>
    public double MaxScaleChange { get; init; }

    /// <summary>Added to [0, 1] intensities, uniform in ±this.</summary>
    public double MaxBrightness { get; init; }

    /// <summary>Contrast about mid-grey, factor uniform in [1 - this, 1 + this].</summary>
    public double MaxContrastChange { get; init; }

    public bool IsIdentity =>
        !HorizontalFlip && !VerticalFlip && MaxShiftFraction == 0 && MaxRotationDegrees == 0 && MaxScaleChange == 0
        && MaxBrightness == 0 && MaxContrastChange == 0;

    public void Validate()
    {
        if (MaxShiftFraction is < 0 or > 0.5 || MaxRotationDegrees is < 0 or > 180 || MaxScaleChange is < 0 or >= 1
            || MaxBrightness is < 0 or > 1 || MaxContrastChange is < 0 or >= 1)
        {
            throw new ArgumentException(
                "Augmentation out of range: shift in [0, 0.5], rotation in [0, 180] degrees, scale change in [0, 1), brightness in [0, 1], contrast change in [0, 1).");
        }
    }
}
