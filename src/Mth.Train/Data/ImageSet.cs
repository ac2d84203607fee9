using Mth.Imaging;

namespace Mth.Train.Data;

/// <summary>
/// A subset of a source: the whole source, or one split of it (train, validation, test).
/// Positions 0..Count-1 index this set; <see cref="SourceIndex"/> maps them back to the source.
/// Exposes labels and per-class positions so that samplers (P classes x K images) build on it.
/// </summary>
public sealed class ImageSet
{
    private readonly int[] sourceIndices;
    private readonly int[] labels;
    private readonly int[][] positionsByClass;

    public ImageSet(ILabelledImageSource source, IEnumerable<int> sourceIndices, string name)
    {
        Source = source ?? throw new ArgumentNullException(nameof(source));
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        this.sourceIndices = [.. sourceIndices];
        labels = new int[this.sourceIndices.Length];
        var byClass = Enumerable.Range(0, source.ClassNames.Count).Select(_ => new List<int>()).ToArray();
        for (var position = 0; position < this.sourceIndices.Length; position++)
        {
            var index = this.sourceIndices[position];
            if ((uint)index >= (uint)source.Items.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(sourceIndices), index, "Index outside the source.");
            }

            labels[position] = source.Items[index].Label;
            byClass[labels[position]].Add(position);
        }

        positionsByClass = byClass.Select(list => list.ToArray()).ToArray();
    }

    /// <summary>The whole source, in its order.</summary>
    public static ImageSet All(ILabelledImageSource source) =>
        new(source, Enumerable.Range(0, source.Items.Count), "all");

    public ILabelledImageSource Source { get; }

    /// <summary>"all", "train", "validation", "test".</summary>
    public string Name { get; }

    public int Count => sourceIndices.Length;

    public IReadOnlyList<string> ClassNames => Source.ClassNames;

    public int ClassCount => Source.ClassNames.Count;

    /// <summary>Label (class index) per position.</summary>
    public IReadOnlyList<int> Labels => labels;

    /// <summary>For each class index, the positions of its images (ascending).</summary>
    public IReadOnlyList<IReadOnlyList<int>> PositionsByClass => positionsByClass;

    public IReadOnlyList<int> SourceIndices => sourceIndices;

    public int SourceIndex(int position) => sourceIndices[position];

    public string Key(int position) => Source.Items[sourceIndices[position]].Key;

    public int Label(int position) => labels[position];

    public string Description => $"{Name} of {Source.Description}: {Count} images";

    public ValueTask<FloatImage> LoadAsync(int position, CancellationToken cancellationToken = default) =>
        Source.LoadAsync(sourceIndices[position], cancellationToken);
}
