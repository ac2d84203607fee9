using Mth.Core.Indexing;
using Mth.Index.Redis;
using StackExchange.Redis;

namespace Mth.Testing.Redis;

/// <summary>
/// Base of the tests that specify a behaviour on the single node and on the 3-master cluster alike: each test
/// works under its own key prefixes, whose keys are removed afterwards (the servers outlive the tests).
/// A test assembly pairs it with a collection of <see cref="RedisServerFixture"/> and <see cref="RedisClusterFixture"/>.
/// </summary>
public abstract class RedisTopologyTests(RedisServerFixture single, RedisClusterFixture cluster) : OwningTests
{
    public static TheoryData<string> Topologies => new() { "single", "cluster" };

    protected IConnectionMultiplexer Connection(string topology) => topology == "cluster" ? cluster.Connection : single.Connection;

    protected IConnectionMultiplexer ClusterConnection => cluster.Connection;

    /// <summary>A StackExchange.Redis configuration string for the topology (cluster: every seed).</summary>
    protected string Configuration(string topology) => topology == "cluster" ? string.Join(',', cluster.EndPoints) : single.EndPoint;

    /// <summary>A key prefix of its own, whose keys are removed when the test ends.</summary>
    protected string NewPrefix(string topology) => Owned(new RedisTestPrefix(Connection(topology))).Prefix;

    protected RedisIndexCatalog Catalog(string topology, out string prefix, RedisIndexOptions? options = null)
    {
        prefix = NewPrefix(topology);
        return Track(new RedisIndexCatalog(Connection(topology), (options ?? new RedisIndexOptions()) with { KeyPrefix = prefix }));
    }

    /// <summary>A catalog closed (its bucket-read connections with it) when the test ends.</summary>
    protected RedisIndexCatalog Track(RedisIndexCatalog catalog) => Owned(catalog);

    protected async Task<IHammingIndex> NewVersionAsync(string topology, IndexVersionOptions options, RedisIndexOptions? redisOptions = null)
    {
        var catalog = Catalog(topology, out _, redisOptions);
        return await catalog.CreateVersionAsync("v1", options);
    }

    /// <summary>Every key of the prefix on every primary (SCAN per node: tests only).</summary>
    protected Task<List<string>> KeysAsync(string topology, string prefix) => RedisTestKeys.KeysAsync(Connection(topology), prefix);
}
