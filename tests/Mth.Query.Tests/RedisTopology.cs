using Mth.Testing.Redis;

namespace Mth.Query.Tests;

/// <summary>The Redis servers shared by the tests that derive from <see cref="RedisTopologyTests"/>.</summary>
[CollectionDefinition("redis")]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>, ICollectionFixture<RedisClusterFixture>;
