using Mth.Encoding.Images;

namespace Mth.Train.Data;

/// <summary>
/// Images labelled by folder name: root/&lt;class&gt;/**/*.png|jpg|jpeg. Classes are the
/// sub-folders in ordinal order (their index is the label); keys are paths relative to the root
/// with '/' separators, sorted ordinally.
/// </summary>
public sealed class ImageFolderSource : FileImageSource
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    private ImageFolderSource(string location, string root, string[] classNames, LabelledItem[] items, ImageDecoderChain? decoders)
        : base(location, root, classNames, items, decoders)
    {
    }

    public override string Description => $"image folders {Location}: {Items.Count} images, {ClassNames.Count} classes ({string.Join(", ", ClassNames)})";

    public static bool IsImageFile(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    public static ImageFolderSource Open(string directory, ImageDecoderChain? decoders = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DataSourceException($"Image folder '{directory}' does not exist.");
        }

        var classNames = Directory.GetDirectories(root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (classNames.Length == 0)
        {
            throw new DataSourceException($"Image folder '{directory}' has no class sub-folders (expected root/<class>/<image>).");
        }

        var items = new List<LabelledItem>();
        for (var label = 0; label < classNames.Length; label++)
        {
            var classRoot = Path.Combine(root, classNames[label]);
            items.AddRange(Directory.EnumerateFiles(classRoot, "*", SearchOption.AllDirectories)
                .Where(IsImageFile)
                .Select(file => new LabelledItem(Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'), label)));
        }

        if (items.Count == 0)
        {
            throw new DataSourceException($"Image folder '{directory}' holds no PNG or JPEG files.");
        }

        items.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new ImageFolderSource(directory, root, classNames, [.. items], decoders);
    }
}
