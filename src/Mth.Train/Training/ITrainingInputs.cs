using Mth.Train.Data;

namespace Mth.Train.Training;

/// <summary>
/// What the trainer reads: labelled images already at the model's input size, filled into a batch as
/// normalised 3 x S x S floats (optionally augmented). The data side adapts its sources to this.
/// </summary>
public interface ITrainingInputs
{
    int Count { get; }

    /// <summary>Class index of every item.</summary>
    IReadOnlyList<int> Labels { get; }

    /// <summary>S: each item fills 3 * S * S floats.</summary>
    int InputSize { get; }

    /// <summary>Writes the items at <paramref name="indices"/> one after another (NCHW) into <paramref name="destination"/>;
    /// applies training augmentation drawn from <paramref name="augmentation"/> when it is not null.</summary>
    void Fill(ReadOnlySpan<int> indices, Span<float> destination, SeededRandom? augmentation);
}
