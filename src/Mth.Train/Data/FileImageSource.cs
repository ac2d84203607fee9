using Mth.Encoding.Images;
using Mth.Imaging;

namespace Mth.Train.Data;

/// <summary>
/// A source whose items are image files under one root folder (keys are paths relative to it,
/// '/' separated): decoded through the decoder chain, hashed as file bytes.
/// </summary>
public abstract class FileImageSource : ILabelledImageSource
{
    private readonly string root;
    private readonly ImageDecoderChain decoders;
    private readonly LabelledItem[] items;

    private protected FileImageSource(string location, string root, string[] classNames, LabelledItem[] items, ImageDecoderChain? decoders)
    {
        Location = location;
        this.root = root;
        ClassNames = classNames;
        this.items = items;
        this.decoders = decoders ?? ImageDecoderChain.Default;
    }

    public string Location { get; }

    public abstract string Description { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<LabelledItem> Items => items;

    public async ValueTask<FloatImage> LoadAsync(int index, CancellationToken cancellationToken = default) =>
        await decoders.ReadAsync(PathOf(index), cancellationToken).ConfigureAwait(false);

    public ValueTask<string> HashAsync(int index, CancellationToken cancellationToken = default) =>
        ContentHash.OfFileAsync(PathOf(index), cancellationToken);

    /// <summary>The file of item <paramref name="index"/>.</summary>
    public string PathOf(int index) => Path.Combine(root, items[index].Key);
}
