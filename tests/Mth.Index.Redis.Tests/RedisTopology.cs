using Mth.Core.Indexing;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Index.Redis.Tests;

[CollectionDefinition("redis")]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>, ICollectionFixture<RedisClusterFixture>;

/// <summary>The single node and the 3-master cluster, so that every behaviour is specified for both.</summary>
public abstract class RedisTopologyTests(RedisServerFixture single, RedisClusterFixture cluster) : IAsyncLifetime
{
    private readonly List<(string Topology, string Prefix)> _prefixes = [];

    public static TheoryData<string> Topologies => new() { "single", "cluster" };

    protected IConnectionMultiplexer Connection(string topology) => topology == "cluster" ? cluster.Connection : single.Connection;

    protected IConnectionMultiplexer ClusterConnection => cluster.Connection;

    protected RedisIndexCatalog Catalog(string topology, out string prefix, RedisIndexOptions? options = null)
    {
        prefix = RedisServerFixture.UniquePrefix();
        _prefixes.Add((topology, prefix));
        return new RedisIndexCatalog(Connection(topology), (options ?? new RedisIndexOptions()) with { KeyPrefix = prefix });
    }

    protected async Task<IHammingIndex> NewVersionAsync(string topology, IndexVersionOptions options, RedisIndexOptions? redisOptions = null)
    {
        var catalog = Catalog(topology, out _, redisOptions);
        return await catalog.CreateVersionAsync("v1", options);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Removes every key the test wrote (shared servers outlive the tests), one DEL per slot.</summary>
    public async Task DisposeAsync()
    {
        foreach (var (topology, prefix) in _prefixes)
        {
            var database = Connection(topology).GetDatabase();
            foreach (var slot in (await KeysAsync(topology, prefix)).GroupBy(HashSlot.Of))
            {
                foreach (var batch in slot.Chunk(1000))
                {
                    await database.KeyDeleteAsync(batch.Select(k => (RedisKey)k).ToArray());
                }
            }
        }
    }

    /// <summary>Every key of the prefix on every primary (SCAN per node: tests only).</summary>
    protected Task<List<string>> KeysAsync(string topology, string prefix) => RedisTestKeys.KeysAsync(Connection(topology), prefix);
}
