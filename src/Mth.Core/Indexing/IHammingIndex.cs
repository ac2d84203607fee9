using Mth.Core.Codes;

namespace Mth.Core.Indexing;

/// <summary>
/// One index version: items keyed by id, each holding one code of <see cref="Bits"/> bits, searched
/// exactly by Hamming distance. Writes are atomic per item and idempotent; results follow
/// <see cref="NeighborOrder"/>. Implementations allow concurrent readers alongside a writer.
/// </summary>
public interface IHammingIndex
{
    /// <summary>The version name (one per model version).</summary>
    string Version { get; }

    /// <summary>Code length in bits; every code written or searched must have it.</summary>
    int Bits { get; }

    /// <summary>Stores <paramref name="code"/> for <paramref name="id"/>, replacing a different code; the same code again changes nothing.</summary>
    ValueTask<UpsertOutcome> UpsertAsync(string id, BinaryCode code, CancellationToken cancellationToken = default);

    /// <summary>Upserts many items; each item is atomic on its own (a failure part-way leaves earlier items stored).</summary>
    ValueTask<UpsertSummary> UpsertManyAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Removes the item; false when it was not there (deleting twice is harmless).</summary>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The stored code of <paramref name="id"/>, or null.</summary>
    ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken = default);

    ValueTask<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Every id of the version, in no particular order; each item present throughout the enumeration appears exactly once.</summary>
    IAsyncEnumerable<string> EnumerateIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="k"/> items nearest to <paramref name="query"/> (fewer when the version holds fewer), in <see cref="NeighborOrder"/>.</summary>
    ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken = default);

    /// <summary>Every item within Hamming distance <paramref name="radius"/> of <paramref name="query"/> (inclusive), in <see cref="NeighborOrder"/>.</summary>
    ValueTask<IReadOnlyList<Neighbor>> SearchRadiusAsync(BinaryCode query, int radius, CancellationToken cancellationToken = default);
}
