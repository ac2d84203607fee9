using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;

namespace Mth.Encoder.Tests.Fixtures;

/// <summary>Tests that share one real broker and the shared Redis servers (each test with its own prefix for both).</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<RabbitMqFixture>, ICollectionFixture<RedisServerFixture>, ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "encoder pipeline";
}
