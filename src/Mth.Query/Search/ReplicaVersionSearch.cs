using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Index.Redis.Replication;

namespace Mth.Query.Search;

/// <summary>
/// Searches the in-process replica of a Redis version. A stored code the replica does not hold yet (an
/// instance written within the replica's lag) is read from Redis, so "similar to this instance" works as
/// soon as Redis has the instance; the instance then joins search results once the replica applies it.
/// </summary>
internal sealed class ReplicaVersionSearch(RedisIndexReplica replica) : IVersionSearch
{
    public RedisIndexReplica Replica => replica;

    public string Version => replica.Version;

    public int Bits => replica.Bits;

    public string Mode => "replica";

    public async ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken) =>
        await replica.GetCodeAsync(id, cancellationToken).ConfigureAwait(false)
        ?? await replica.Source.GetCodeAsync(id, cancellationToken).ConfigureAwait(false);

    public ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken) =>
        replica.SearchNearestAsync(query, k, cancellationToken);

    public ValueTask DisposeAsync() => replica.DisposeAsync();
}
