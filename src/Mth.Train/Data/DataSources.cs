using Mth.Encoding.Images;

namespace Mth.Train.Data;

/// <summary>
/// Opens a data source from its command-line form, <c>PATH[#SELECTOR]</c>:
/// a folder (images labelled by sub-folder), <c>file.npz[#part,part]</c> (MedMNIST arrays),
/// <c>labels.csv</c> (path,label rows; DICOM too once its decoder is in the chain) or
/// <c>split.json#train|validation|test</c> (one part of a recorded split, checked by hash).
/// </summary>
public static class DataSources
{
    /// <summary>The set a spec names: a whole source, or one part of a split file.</summary>
    public static async Task<ImageSet> OpenSetAsync(string spec, ImageDecoderChain? decoders = null, CancellationToken cancellationToken = default)
    {
        var (location, selector) = SplitSpec(spec);
        if (IsSplitFile(location))
        {
            if (selector is null)
            {
                throw new DataSourceException($"'{spec}' is a split file: name the part, e.g. {location}#train, #validation or #test.");
            }

            var split = await DatasetSplit.LoadAsync(location, decoders, cancellationToken: cancellationToken).ConfigureAwait(false);
            return split[DatasetSplit.ParsePart(selector)];
        }

        return ImageSet.All(OpenSource(spec, decoders));
    }

    /// <summary>A plain source (not a split file).</summary>
    public static ILabelledImageSource OpenSource(string spec, ImageDecoderChain? decoders = null)
    {
        var (location, selector) = SplitSpec(spec);
        if (Directory.Exists(location))
        {
            RejectSelector(spec, selector);
            return ImageFolderSource.Open(location, decoders);
        }

        if (location.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
        {
            var parts = selector?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return NpzSource.Open(location, parts, location: spec);
        }

        if (location.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            RejectSelector(spec, selector);
            return LabelsCsvSource.Open(location, decoders);
        }

        if (IsSplitFile(location))
        {
            throw new DataSourceException($"'{spec}' is a split file, not a source; open it with {nameof(OpenSetAsync)} or {nameof(DatasetSplit)}.{nameof(DatasetSplit.LoadAsync)}.");
        }

        throw new DataSourceException(
            File.Exists(location) || Directory.Exists(location)
                ? $"'{spec}' is not a data source: expected a folder of class folders, a .npz, a labels .csv or a split .json."
                : $"Data source '{location}' does not exist.");
    }

    /// <summary>"path#selector" into its parts; the selector is null when absent.</summary>
    public static (string Location, string? Selector) SplitSpec(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        var hash = spec.LastIndexOf('#');
        return hash < 0 ? (spec, null) : (spec[..hash], spec[(hash + 1)..]);
    }

    private static bool IsSplitFile(string location) => location.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static void RejectSelector(string spec, string? selector)
    {
        if (selector is not null)
        {
            throw new DataSourceException($"'{spec}': this kind of source takes no #selector.");
        }
    }
}
