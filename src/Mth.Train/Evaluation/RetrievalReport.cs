namespace Mth.Train.Evaluation;

/// <summary>One point of the precision-recall curve: everything within Hamming radius <see cref="Radius"/> retrieved.</summary>
public sealed record PrecisionRecallPoint(int Radius, double Precision, double Recall);

/// <summary>mAP of the queries of one class.</summary>
public sealed record ClassRetrieval(string ClassName, int Queries, double MapAll, double TieAwareMapAll);

/// <summary>
/// Retrieval quality of codes under the standard deep-hashing protocol. Ranked figures use the
/// seeded tie-break permutation; the TieAware figures are their expectations over all orders
/// within groups of equal distance (independent of any seed).
/// </summary>
public sealed record RetrievalReport
{
    public required int Bits { get; init; }
    public required int DatabaseCount { get; init; }
    public required int QueryCount { get; init; }
    public required int DistinctDatabaseCodes { get; init; }
    public required ulong TieBreakSeed { get; init; }
    public required int MapCutoff { get; init; }

    /// <summary>mAP over the whole ranking.</summary>
    public required double MapAll { get; init; }

    /// <summary>mAP@K: AP over the top K divided by the relevant items within them (0 when none).</summary>
    public required double MapAtCutoff { get; init; }

    /// <summary>Precision@K per cut-off K.</summary>
    public required IReadOnlyDictionary<int, double> PrecisionAt { get; init; }

    public required double TieAwareMapAll { get; init; }
    public required double TieAwareMapAtCutoff { get; init; }
    public required IReadOnlyDictionary<int, double> TieAwarePrecisionAt { get; init; }

    public required IReadOnlyList<ClassRetrieval> PerClass { get; init; }

    /// <summary>Precision and recall averaged over queries for every Hamming radius 0..k.</summary>
    public required IReadOnlyList<PrecisionRecallPoint> PrecisionRecall { get; init; }
}
