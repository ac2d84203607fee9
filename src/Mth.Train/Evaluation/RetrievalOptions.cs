namespace Mth.Train.Evaluation;

/// <summary>Settings of the retrieval protocol (docs/evaluation.md).</summary>
public sealed record RetrievalOptions
{
    /// <summary>The default tie-break seed, stated in every report.</summary>
    public const ulong DefaultTieBreakSeed = 20_240_607;

    /// <summary>Seed of the random permutation of the database that orders items at equal Hamming distance.</summary>
    public ulong TieBreakSeed { get; init; } = DefaultTieBreakSeed;

    /// <summary>The cut-off of mAP@K (100 in the common deep-hashing code).</summary>
    public int MapCutoff { get; init; } = 100;

    /// <summary>Cut-offs of precision@K.</summary>
    public IReadOnlyList<int> PrecisionCutoffs { get; init; } = [10, 100];

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MapCutoff);
        if (PrecisionCutoffs.Count == 0 || PrecisionCutoffs.Any(k => k <= 0))
        {
            throw new ArgumentException("Precision cut-offs must be positive.");
        }
    }
}
