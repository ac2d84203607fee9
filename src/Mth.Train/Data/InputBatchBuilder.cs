using System.Runtime.CompilerServices;
using Mth.Encoding.Preprocessing;

namespace Mth.Train.Data;

/// <summary>
/// Assembles batches of model inputs from an image set: cached resized image, optional
/// augmentation, then the shared <see cref="ImagePreprocessor.Normalise"/>. Samplers choose the
/// positions (e.g. P classes x K images); this type only turns positions into tensors.
/// </summary>
public sealed class InputBatchBuilder
{
    private readonly ImageAugmenter? augmenter;

    public InputBatchBuilder(ImageSet set, PreprocessedImageCache cache, ImagePreprocessor preprocessor, AugmentationOptions? augmentation = null)
    {
        Set = set ?? throw new ArgumentNullException(nameof(set));
        Cache = cache ?? throw new ArgumentNullException(nameof(cache));
        Preprocessor = preprocessor ?? throw new ArgumentNullException(nameof(preprocessor));
        if (!ReferenceEquals(set.Source, cache.Source))
        {
            throw new ArgumentException("The cache belongs to another source than the image set.", nameof(cache));
        }

        if (cache.Preprocessor.InputSize != preprocessor.InputSize || cache.Preprocessor.Options.Resize != preprocessor.Options.Resize)
        {
            throw new ArgumentException("The cache resizes differently from the preprocessor (input size or resize rule).", nameof(preprocessor));
        }

        augmenter = augmentation is null || augmentation.IsIdentity ? null : new ImageAugmenter(augmentation);
    }

    public ImageSet Set { get; }

    public PreprocessedImageCache Cache { get; }

    public ImagePreprocessor Preprocessor { get; }

    public int InputSize => Preprocessor.InputSize;

    /// <summary>
    /// The batch for <paramref name="positions"/> (positions in <see cref="Set"/>). With a random
    /// generator and augmentation options, each row is augmented from its own stream drawn in row
    /// order, so the result does not depend on thread scheduling.
    /// </summary>
    public async Task<InputBatch> BuildAsync(IReadOnlyList<int> positions, SeededRandom? augmentationRandom = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var count = positions.Count;
        var length = Preprocessor.InputLength;
        var inputs = new float[(long)count * length];
        var labels = new int[count];
        var seeds = new ulong[count];
        for (var row = 0; row < count; row++)
        {
            labels[row] = Set.Label(positions[row]);
            seeds[row] = augmentationRandom?.NextUInt64() ?? 0;
        }

        await Parallel.ForAsync(0, count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (row, token) =>
            {
                var image = await Cache.GetAsync(Set.SourceIndex(positions[row]), token).ConfigureAwait(false);
                if (augmenter is not null && augmentationRandom is not null)
                {
                    image = augmenter.Apply(image, new SeededRandom(seeds[row]));
                }

                Preprocessor.Normalise(image, inputs.AsSpan(row * length, length));
            }).ConfigureAwait(false);
        return new InputBatch(inputs, labels, [.. positions], InputSize);
    }

    /// <summary>The whole set in position order, without augmentation (for encoding and evaluation).</summary>
    public async IAsyncEnumerable<InputBatch> InOrderAsync(int batchSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        for (var start = 0; start < Set.Count; start += batchSize)
        {
            var positions = Enumerable.Range(start, Math.Min(batchSize, Set.Count - start)).ToArray();
            yield return await BuildAsync(positions, null, cancellationToken).ConfigureAwait(false);
        }
    }
}
