using Mth.Core.Coordination;
using Mth.Core.Instances;
using Mth.Testing.Coordination;
using Mth.Testing.Instances;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Index.Redis.Tests;

[Collection("redis")]
public sealed class RedisInstanceCatalogOnSingleNodeTests(RedisServerFixture single) : InstanceCatalogContract, IAsyncLifetime
{
    private readonly string _prefix = RedisServerFixture.UniquePrefix();

    protected override Task<IInstanceCatalog> CreateCatalogAsync() => Task.FromResult<IInstanceCatalog>(new RedisInstanceCatalog(single.Connection, _prefix));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => RedisTestKeys.DeleteAsync(single.Connection, _prefix);
}

/// <summary>The contract on the 3-master cluster, and the hash tags that make a study one slot.</summary>
[Collection("redis")]
public sealed class RedisInstanceCatalogOnClusterTests(RedisClusterFixture cluster) : InstanceCatalogContract, IAsyncLifetime
{
    private readonly string _prefix = RedisServerFixture.UniquePrefix();

    protected override Task<IInstanceCatalog> CreateCatalogAsync() => Task.FromResult<IInstanceCatalog>(new RedisInstanceCatalog(cluster.Connection, _prefix));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => RedisTestKeys.DeleteAsync(cluster.Connection, _prefix);

    [Fact]
    public async Task A_studys_records_and_member_set_share_one_slot_while_studies_spread_over_the_primaries()
    {
        var catalog = await CreateCatalogAsync();
        var studies = Enumerable.Range(0, 30).Select(_ => Uid()).ToList();
        foreach (var study in studies)
        {
            await catalog.PutManyAsync(Enumerable.Range(0, 3).Select(_ => Record(study)).ToList());
        }

        var keys = await RedisTestKeys.KeysAsync(cluster.Connection, _prefix);
        foreach (var study in studies)
        {
            var slots = keys.Where(k => k.Contains($":study:{study}}}", StringComparison.Ordinal)).Select(HashSlot.Of).Distinct().ToList();
            Assert.Single(slots);
        }

        var nodes = studies.Select(s => cluster.Connection.GetServer(cluster.Connection.GetDatabase().IdentifyEndpoint((RedisKey)$"{{{_prefix}:study:{s}}}:sops")!).EndPoint.ToString()).Distinct().Count();
        Assert.Equal(3, nodes);
    }
}

[Collection("redis")]
public sealed class RedisCoordinationStoreOnSingleNodeTests(RedisServerFixture single) : CoordinationStoreContract, IAsyncLifetime
{
    private readonly string _prefix = RedisServerFixture.UniquePrefix();

    protected override Task<ICoordinationStore> CreateStoreAsync() => Task.FromResult<ICoordinationStore>(new RedisCoordinationStore(single.Connection, _prefix));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => RedisTestKeys.DeleteAsync(single.Connection, _prefix);
}

[Collection("redis")]
public sealed class RedisCoordinationStoreOnClusterTests(RedisClusterFixture cluster) : CoordinationStoreContract, IAsyncLifetime
{
    private readonly string _prefix = RedisServerFixture.UniquePrefix();

    protected override Task<ICoordinationStore> CreateStoreAsync() => Task.FromResult<ICoordinationStore>(new RedisCoordinationStore(cluster.Connection, _prefix));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => RedisTestKeys.DeleteAsync(cluster.Connection, _prefix);
}
