using System.IO.Compression;
using Mth.Encoding.Images;
using Mth.Imaging;

namespace Mth.Train.Data;

/// <summary>
/// A MedMNIST-style .npz (a zip of .npy arrays): pairs <c>&lt;part&gt;_images</c> (uint8,
/// N x H x W or N x H x W x 3) and <c>&lt;part&gt;_labels</c> (integers, N or N x 1). All
/// parts are used unless some are selected (e.g. "train", "val"). Keys are
/// <c>part[row]</c>; the label value is the class index; class names default to the values
/// ("0", "1", …).
/// </summary>
public sealed class NpzSource : ILabelledImageSource
{
    private readonly Part[] parts;
    private readonly LabelledItem[] items;
    private readonly (int Part, int Row)[] rows;

    private NpzSource(string location, Part[] parts, string[] classNames)
    {
        Location = location;
        this.parts = parts;
        ClassNames = classNames;
        var itemList = new List<LabelledItem>();
        var rowList = new List<(int, int)>();
        for (var p = 0; p < parts.Length; p++)
        {
            for (var r = 0; r < parts[p].Labels.Length; r++)
            {
                itemList.Add(new LabelledItem($"{parts[p].Name}[{r}]", parts[p].Labels[r]));
                rowList.Add((p, r));
            }
        }

        items = [.. itemList];
        rows = [.. rowList];
    }

    public string Location { get; }

    public string Description =>
        $"npz {Location}: {items.Length} images ({string.Join(", ", parts.Select(p => $"{p.Name} {p.Labels.Length}"))}) of {parts[0].Width}x{parts[0].Height}, {ClassNames.Count} classes";

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<LabelledItem> Items => items;

    public IReadOnlyList<string> PartNames => parts.Select(p => p.Name).ToArray();

    public static NpzSource Open(string path, IReadOnlyList<string>? selectedParts = null, IReadOnlyList<string>? classNames = null, string? location = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DataSourceException($".npz file '{path}' does not exist.");
        }

        Dictionary<string, NpyArray> arrays;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            arrays = zip.Entries
                .Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                .ToDictionary(e => e.FullName[..^4], ReadEntry, StringComparer.Ordinal);
        }
        catch (InvalidDataException exception)
        {
            throw new DataSourceException($"'{path}' is not a readable .npz (zip) file: {exception.Message}", exception);
        }

        var available = arrays.Keys
            .Where(k => k.EndsWith("_images", StringComparison.Ordinal) && arrays.ContainsKey(k[..^7] + "_labels"))
            .Select(k => k[..^7])
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (available.Length == 0)
        {
            throw new DataSourceException($"'{path}' has no <part>_images / <part>_labels pair (arrays: {string.Join(", ", arrays.Keys)}).");
        }

        var chosen = selectedParts is { Count: > 0 } ? selectedParts.ToArray() : available;
        foreach (var part in chosen)
        {
            if (!available.Contains(part, StringComparer.Ordinal))
            {
                throw new DataSourceException($"'{path}' has no part '{part}' (parts: {string.Join(", ", available)}).");
            }
        }

        var parts = chosen.Select(name => Part.Create(name, arrays[name + "_images"], arrays[name + "_labels"])).ToArray();
        if (parts.Any(p => p.Width != parts[0].Width || p.Height != parts[0].Height || p.Channels != parts[0].Channels))
        {
            throw new DataSourceException($"'{path}': the selected parts have images of different shapes.");
        }

        var maxLabel = parts.SelectMany(p => p.Labels).DefaultIfEmpty(0).Max();
        string[] names;
        if (classNames is { Count: > 0 })
        {
            if (classNames.Count <= maxLabel)
            {
                throw new DataSourceException($"'{path}' has label {maxLabel} but only {classNames.Count} class names were given.");
            }

            names = [.. classNames];
        }
        else
        {
            names = Enumerable.Range(0, maxLabel + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        return new NpzSource(location ?? path, parts, names);
    }

    public ValueTask<FloatImage> LoadAsync(int index, CancellationToken cancellationToken = default)
    {
        var (part, row) = rows[index];
        var p = parts[part];
        return ValueTask.FromResult(PngJpegDecoder.ToFloatImage(p.Row(row), p.Width, p.Height, p.Channels));
    }

    public ValueTask<string> HashAsync(int index, CancellationToken cancellationToken = default)
    {
        var (part, row) = rows[index];
        return ValueTask.FromResult(ContentHash.Of(parts[part].Row(row)));
    }

    private static NpyArray ReadEntry(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream(checked((int)Math.Max(entry.Length, 0)));
        stream.CopyTo(buffer);
        try
        {
            return NpyArray.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (DataSourceException exception)
        {
            throw new DataSourceException($"{entry.FullName}: {exception.Message}", exception);
        }
    }

    private sealed record Part(string Name, byte[] Pixels, int[] Labels, int Width, int Height, int Channels)
    {
        public ReadOnlySpan<byte> Row(int row)
        {
            var size = Width * Height * Channels;
            return Pixels.AsSpan(row * size, size);
        }

        public static Part Create(string name, NpyArray images, NpyArray labels)
        {
            if (images.DType != "|u1" && images.DType != "<u1")
            {
                throw new DataSourceException($"{name}_images has dtype '{images.DType}'; uint8 ('|u1') is required.");
            }

            if (images.FortranOrder || labels.FortranOrder)
            {
                throw new DataSourceException($"{name}: Fortran-ordered arrays are not supported.");
            }

            var shape = images.Shape;
            var channels = shape.Count switch
            {
                3 => 1,
                4 when shape[3] is 1 or 3 => shape[3],
                _ => throw new DataSourceException($"{name}_images has shape ({string.Join(", ", shape)}); expected (N, H, W) or (N, H, W, 1|3)."),
            };
            var count = shape[0];
            var labelShape = labels.Shape;
            if (!(labelShape.Count == 1 && labelShape[0] == count) && !(labelShape.Count == 2 && labelShape[0] == count && labelShape[1] == 1))
            {
                throw new DataSourceException(
                    $"{name}_labels has shape ({string.Join(", ", labelShape)}); one label per image ({count} or {count} x 1) is required (multi-label sets are not supported).");
            }

            var values = new int[count];
            for (var i = 0; i < count; i++)
            {
                var value = labels.GetInteger(i);
                if (value is < 0 or > 100_000)
                {
                    throw new DataSourceException($"{name}_labels[{i}] = {value} is not a class index.");
                }

                values[i] = (int)value;
            }

            return new Part(name, images.Data, values, shape[2], shape[1], channels);
        }
    }
}
