using System.Collections.Concurrent;
using Mth.Encoding.Preprocessing;
using Mth.Imaging;

namespace Mth.Train.Data;

/// <summary>
/// Decoded and resized (S x S, not yet normalised) images of a source, kept in memory up to a
/// byte budget; past the budget images are decoded again on every use instead of failing.
/// Grey images stay one channel (a third of the memory: about 256 KiB each at S = 256).
/// Thread-safe; values are exact floats, so cached and uncached inputs are identical.
/// </summary>
public sealed class PreprocessedImageCache
{
    private const long EntryOverhead = 64;

    private readonly ConcurrentDictionary<int, FloatImage> entries = new();
    private long cachedBytes;

    public PreprocessedImageCache(ILabelledImageSource source, ImagePreprocessor preprocessor, long? maxBytes = null)
    {
        Source = source ?? throw new ArgumentNullException(nameof(source));
        Preprocessor = preprocessor ?? throw new ArgumentNullException(nameof(preprocessor));
        MaxBytes = maxBytes ?? DefaultBudget();
        ArgumentOutOfRangeException.ThrowIfNegative(MaxBytes);
    }

    public ILabelledImageSource Source { get; }

    /// <summary>Its <see cref="ImagePreprocessor.Resize"/> defines the cached form; its mean/std are not used here.</summary>
    public ImagePreprocessor Preprocessor { get; }

    public long MaxBytes { get; }

    public long CachedBytes => Interlocked.Read(ref cachedBytes);

    public int CachedCount => entries.Count;

    /// <summary>40% of the memory the GC may use: room for the model and batches beside it.</summary>
    public static long DefaultBudget() => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.4);

    public static long SizeOf(FloatImage image) => image.Data.LongLength * sizeof(float) + EntryOverhead;

    /// <summary>The resized image of source item <paramref name="sourceIndex"/>; callers must not modify it.</summary>
    public async ValueTask<FloatImage> GetAsync(int sourceIndex, CancellationToken cancellationToken = default)
    {
        if (entries.TryGetValue(sourceIndex, out var cached))
        {
            return cached;
        }

        var decoded = await Source.LoadAsync(sourceIndex, cancellationToken).ConfigureAwait(false);
        var resized = Preprocessor.Resize(decoded);
        var size = SizeOf(resized);
        if (Interlocked.Add(ref cachedBytes, size) <= MaxBytes)
        {
            if (!entries.TryAdd(sourceIndex, resized))
            {
                Interlocked.Add(ref cachedBytes, -size);
                return entries[sourceIndex];
            }
        }
        else
        {
            Interlocked.Add(ref cachedBytes, -size);
        }

        return resized;
    }

    /// <summary>Fills the cache (in parallel) with the given items, reporting progress.</summary>
    public async Task WarmAsync(IReadOnlyList<int> sourceIndices, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourceIndices);
        var done = 0;
        await Parallel.ForAsync(0, sourceIndices.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, token) =>
            {
                await GetAsync(sourceIndices[i], token).ConfigureAwait(false);
                var count = Interlocked.Increment(ref done);
                if (count % 256 == 0 || count == sourceIndices.Count)
                {
                    progress?.Report((count, sourceIndices.Count));
                }
            }).ConfigureAwait(false);
    }
}
