using Mth.Index.Redis;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Query.Tests;

[CollectionDefinition("redis")]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>, ICollectionFixture<RedisClusterFixture>;

/// <summary>The single node and the 3-master cluster, so that every behaviour is specified for both; each test under its own key prefix, removed afterwards.</summary>
public abstract class RedisTopologyTests(RedisServerFixture single, RedisClusterFixture cluster) : IAsyncLifetime
{
    private readonly List<(string Topology, string Prefix)> _prefixes = [];

    public static TheoryData<string> Topologies => new() { "single", "cluster" };

    protected IConnectionMultiplexer Connection(string topology) => topology == "cluster" ? cluster.Connection : single.Connection;

    /// <summary>A StackExchange.Redis configuration string for the topology (cluster: every seed).</summary>
    protected string Configuration(string topology) => topology == "cluster" ? string.Join(',', cluster.EndPoints) : single.EndPoint;

    protected string NewPrefix(string topology)
    {
        var prefix = RedisServerFixture.UniquePrefix();
        _prefixes.Add((topology, prefix));
        return prefix;
    }

    protected RedisIndexCatalog Catalog(string topology, out string prefix, RedisIndexOptions? options = null)
    {
        prefix = NewPrefix(topology);
        return new RedisIndexCatalog(Connection(topology), (options ?? new RedisIndexOptions()) with { KeyPrefix = prefix });
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var (topology, prefix) in _prefixes)
        {
            await RedisTestKeys.DeleteAsync(Connection(topology), prefix);
        }
    }
}
