using Mth.Core.Coordination;
using Mth.Testing.Coordination;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>The coordination-store contract on one Redis topology, each test under a key prefix of its own.</summary>
public abstract class RedisCoordinationStoreTests : CoordinationStoreContract
{
    private readonly RedisTestPrefix _keys;

    private protected RedisCoordinationStoreTests(IConnectionMultiplexer connection) => _keys = Owned(new RedisTestPrefix(connection));

    protected override Task<ICoordinationStore> CreateStoreAsync() => Task.FromResult<ICoordinationStore>(new RedisCoordinationStore(_keys.Connection, _keys.Prefix));
}

[Collection("redis")]
public sealed class RedisCoordinationStoreOnSingleNodeTests(RedisServerFixture single) : RedisCoordinationStoreTests(single.Connection);

[Collection("redis")]
public sealed class RedisCoordinationStoreOnClusterTests(RedisClusterFixture cluster) : RedisCoordinationStoreTests(cluster.Connection);
