using Mth.Core.Instances;
using Mth.Testing.Instances;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>The instance-catalog contract on one Redis topology, each test under a key prefix of its own.</summary>
public abstract class RedisInstanceCatalogTests : InstanceCatalogContract
{
    private protected RedisInstanceCatalogTests(IConnectionMultiplexer connection) => Keys = Owned(new RedisTestPrefix(connection));

    private protected RedisTestPrefix Keys { get; }

    protected override Task<IInstanceCatalog> CreateCatalogAsync() => Task.FromResult<IInstanceCatalog>(new RedisInstanceCatalog(Keys.Connection, Keys.Prefix));
}

/// <summary>The contract on the 3-master cluster, and the hash tags that make a study one slot.</summary>
[Collection("redis")]
public sealed class RedisInstanceCatalogOnClusterTests(RedisClusterFixture cluster) : RedisInstanceCatalogTests(cluster.Connection)
{
    [Fact]
    public async Task A_studys_records_and_member_set_share_one_slot_while_studies_spread_over_the_primaries()
    {
        var catalog = await CreateCatalogAsync();
        var studies = Enumerable.Range(0, 30).Select(_ => Uid()).ToList();
        foreach (var study in studies)
        {
            await catalog.PutManyAsync(Enumerable.Range(0, 3).Select(_ => Record(study)).ToList());
        }

        var keys = await Keys.KeysAsync();
        foreach (var study in studies)
        {
            var slots = keys.Where(k => k.Contains($":study:{study}}}", StringComparison.Ordinal)).Select(HashSlot.Of).Distinct().ToList();
            Assert.Single(slots);
        }

        var nodes = studies.Select(s => cluster.Connection.GetServer(cluster.Connection.GetDatabase().IdentifyEndpoint((RedisKey)$"{{{Keys.Prefix}:study:{s}}}:sops")!).EndPoint.ToString()).Distinct().Count();
        Assert.Equal(3, nodes);
    }
}

[Collection("redis")]
public sealed class RedisInstanceCatalogOnSingleNodeTests(RedisServerFixture single) : RedisInstanceCatalogTests(single.Connection);
