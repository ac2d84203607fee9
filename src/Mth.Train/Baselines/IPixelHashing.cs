using Mth.Train.Evaluation;

namespace Mth.Train.Baselines;

/// <summary>A non-learned (unsupervised) hashing of raw model inputs, fitted on training pixels only.</summary>
public interface IPixelHashing
{
    /// <summary>"lsh", "itq".</summary>
    string Name { get; }

    int Bits { get; }

    int Dimensions { get; }

    /// <summary>Codes of <paramref name="count"/> feature rows (count x Dimensions, row-major).</summary>
    CodeSet Encode(ReadOnlySpan<float> features, int count);
}
