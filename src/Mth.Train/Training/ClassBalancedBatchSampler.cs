using Mth.Train.Data;

namespace Mth.Train.Training;

/// <summary>
/// P-classes x K-images batches: each batch draws P distinct classes, then K images of each from that class's
/// shuffled queue (refilled and reshuffled when empty, so every image is seen before any repeats).
/// A class with fewer than K images repeats images within a batch. Seeded: the same seed and epoch give the same batches.
/// </summary>
public sealed class ClassBalancedBatchSampler
{
    private readonly int[][] byClass;

    public ClassBalancedBatchSampler(IReadOnlyList<int> labels, int classesPerBatch, int imagesPerClass)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classesPerBatch, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(imagesPerClass, 2);
        byClass = labels.Select((label, index) => (label, index))
            .GroupBy(x => x.label).OrderBy(g => g.Key)
            .Select(g => g.Select(x => x.index).ToArray()).ToArray();
        if (byClass.Length < 2) throw new ArgumentException("triplets need at least two classes in the training data");
        ClassesPerBatch = Math.Min(classesPerBatch, byClass.Length);
        ImagesPerClass = imagesPerClass;
        ImageCount = labels.Count;
    }

    public int ClassesPerBatch { get; }
    public int ImagesPerClass { get; }
    public int BatchSize => ClassesPerBatch * ImagesPerClass;
    public int ImageCount { get; }

    /// <summary>Batches per epoch when an epoch is one pass over the images' count.</summary>
    public int DefaultBatchesPerEpoch => Math.Max(1, ImageCount / BatchSize);

    /// <summary>The batches of one epoch (indices into the labels given), from a generator forked for that epoch.</summary>
    public IReadOnlyList<int[]> Epoch(SeededRandom seed, int epoch, int batches)
    {
        var random = seed.Fork((ulong)epoch + 1);
        var queues = byClass.Select(_ => new Queue<int>()).ToArray();
        var result = new List<int[]>(batches);
        for (int b = 0; b < batches; b++)
        {
            var classes = random.Permutation(byClass.Length).Take(ClassesPerBatch).Order().ToArray();
            var batch = new int[BatchSize];
            int at = 0;
            foreach (int c in classes)
            {
                for (int i = 0; i < ImagesPerClass; i++)
                {
                    if (queues[c].Count == 0)
                    {
                        var refill = (int[])byClass[c].Clone();
                        random.Shuffle(refill.AsSpan());
                        foreach (int index in refill) queues[c].Enqueue(index);
                    }
                    batch[at++] = queues[c].Dequeue();
                }
            }
            result.Add(batch);
        }
        return result;
    }
}
