using Mth.Imaging;

namespace Mth.Train.Data;

/// <summary>One labelled image of a source: a stable key (path relative to the source, or
/// array and row of a .npz) and its class index into <see cref="ILabelledImageSource.ClassNames"/>.</summary>
public sealed record LabelledItem(string Key, int Label);

/// <summary>
/// A collection of labelled images: image folders, a MedMNIST .npz, a labels CSV (PNG, JPEG,
/// and DICOM once its renderer joins the decoder chain). Items are in a deterministic order
/// (keys sorted ordinally), so that positions mean the same on every machine.
/// </summary>
public interface ILabelledImageSource
{
    /// <summary>Where the data came from, as given (a path, possibly with a #selector).</summary>
    string Location { get; }

    /// <summary>One line for reports and the model manifest.</summary>
    string Description { get; }

    IReadOnlyList<string> ClassNames { get; }

    IReadOnlyList<LabelledItem> Items { get; }

    /// <summary>The image at <paramref name="index"/> as decoded: original size, 1 or 3 channels, [0, 1].</summary>
    ValueTask<FloatImage> LoadAsync(int index, CancellationToken cancellationToken = default);

    /// <summary>Lower-case hex SHA-256 of the item's stored bytes (the file, or the array row).</summary>
    ValueTask<string> HashAsync(int index, CancellationToken cancellationToken = default);
}
