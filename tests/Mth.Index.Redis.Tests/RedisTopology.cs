using Mth.Testing.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>The Redis servers shared by the tests that derive from <see cref="RedisTopologyTests"/>.</summary>
[CollectionDefinition("redis")]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>, ICollectionFixture<RedisClusterFixture>;
