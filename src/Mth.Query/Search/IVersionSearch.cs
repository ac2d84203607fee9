using Mth.Core.Codes;
using Mth.Core.Indexing;

namespace Mth.Query.Search;

/// <summary>What a query needs from one index version: an item's stored code and the nearest items to a code.</summary>
internal interface IVersionSearch : IAsyncDisposable
{
    string Version { get; }

    int Bits { get; }

    /// <summary>Where searches run, for logs and health ("redis", "replica", "in-process").</summary>
    string Mode { get; }

    ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken);

    /// <summary>The k nearest items in <see cref="NeighborOrder"/> (ascending distance, then id).</summary>
    ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken);
}
