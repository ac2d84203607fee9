using Mth.Train.Data;

namespace Mth.Train.Training;

/// <summary>An image set seen through the data side's batch builder (cached resize, augmentation, normalisation).</summary>
public sealed class ImageSetInputs(InputBatchBuilder builder) : ITrainingInputs
{
    public InputBatchBuilder Builder { get; } = builder;
    public int Count => Builder.Set.Count;
    public IReadOnlyList<int> Labels => Builder.Set.Labels;
    public int InputSize => Builder.InputSize;

    public void Fill(ReadOnlySpan<int> indices, Span<float> destination, SeededRandom? augmentation)
    {
        // The trainer's loop is synchronous; the builder decodes in parallel inside.
        var batch = Builder.BuildAsync(indices.ToArray(), augmentation).GetAwaiter().GetResult();
        batch.Inputs.AsSpan().CopyTo(destination);
    }
}
