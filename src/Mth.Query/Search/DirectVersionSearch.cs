using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Index.Redis;

namespace Mth.Query.Search;

/// <summary>Searches the index provider's version itself: Redis MIH over the network, or an in-process index (embedded, memory).</summary>
internal sealed class DirectVersionSearch(IHammingIndex index) : IVersionSearch
{
    public string Version => index.Version;

    public int Bits => index.Bits;

    public string Mode => index is RedisHammingIndex ? "redis" : "in-process";

    public ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken) => index.GetCodeAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken) =>
        index.SearchNearestAsync(query, k, cancellationToken);

    // The index belongs to the catalog (the embedded catalog keeps its versions open): nothing to release here.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
