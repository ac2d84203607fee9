using Mth.Encoding.Images;

namespace Mth.Train.Data;

/// <summary>
/// Files listed in a CSV with a header naming at least the columns <c>path</c> and
/// <c>label</c>; paths are relative to the CSV's folder and must stay inside it. Any format the
/// decoder chain knows: PNG and JPEG, and DICOM once Mth.Dicom's renderer is added to the chain
/// (a DICOM folder with a labels CSV is this source). Classes are the distinct labels in
/// ordinal order.
/// </summary>
public sealed class LabelsCsvSource : FileImageSource
{
    private LabelsCsvSource(string location, string root, string[] classNames, LabelledItem[] items, ImageDecoderChain? decoders)
        : base(location, root, classNames, items, decoders)
    {
    }

    public override string Description => $"labels CSV {Location}: {Items.Count} files, {ClassNames.Count} classes ({string.Join(", ", ClassNames)})";

    public static LabelsCsvSource Open(string csvPath, ImageDecoderChain? decoders = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(csvPath);
        if (!File.Exists(csvPath))
        {
            throw new DataSourceException($"Labels CSV '{csvPath}' does not exist.");
        }

        var root = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        var lines = File.ReadAllLines(csvPath);
        if (lines.Length == 0)
        {
            throw new DataSourceException($"Labels CSV '{csvPath}' is empty.");
        }

        var header = SplitCsvLine(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var pathColumn = Array.IndexOf(header, "path");
        var labelColumn = Array.IndexOf(header, "label");
        if (pathColumn < 0 || labelColumn < 0)
        {
            throw new DataSourceException($"Labels CSV '{csvPath}' needs a header with 'path' and 'label' columns, found: {lines[0]}");
        }

        var rows = new List<(string Path, string Label)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 1; n < lines.Length; n++)
        {
            if (string.IsNullOrWhiteSpace(lines[n]))
            {
                continue;
            }

            var fields = SplitCsvLine(lines[n]);
            if (fields.Count <= Math.Max(pathColumn, labelColumn))
            {
                throw new DataSourceException($"{csvPath}:{n + 1}: expected {header.Length} columns, found {fields.Count}.");
            }

            var relative = fields[pathColumn].Trim().Replace('\\', '/');
            var label = fields[labelColumn].Trim();
            if (relative.Length == 0 || label.Length == 0)
            {
                throw new DataSourceException($"{csvPath}:{n + 1}: empty path or label.");
            }

            var full = Path.GetFullPath(Path.Combine(root, relative));
            if (Path.IsPathRooted(relative) || !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new DataSourceException($"{csvPath}:{n + 1}: path '{relative}' must be relative and stay inside {root}.");
            }

            if (!File.Exists(full))
            {
                throw new DataSourceException($"{csvPath}:{n + 1}: file '{relative}' does not exist.");
            }

            var key = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
            if (!seen.Add(key))
            {
                throw new DataSourceException($"{csvPath}:{n + 1}: '{relative}' is listed twice.");
            }

            rows.Add((key, label));
        }

        if (rows.Count == 0)
        {
            throw new DataSourceException($"Labels CSV '{csvPath}' lists no files.");
        }

        var classNames = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var items = rows
            .Select(r => new LabelledItem(r.Path, Array.BinarySearch(classNames, r.Label, StringComparer.Ordinal)))
            .OrderBy(item => item.Key, StringComparer.Ordinal)
            .ToArray();
        return new LabelsCsvSource(csvPath, root, classNames, items, decoders);
    }

    /// <summary>RFC 4180 fields of one line: commas, double quotes, "" inside quotes.</summary>
    internal static List<string> SplitCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
