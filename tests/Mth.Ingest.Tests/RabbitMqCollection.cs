using Mth.Testing.RabbitMq;

namespace Mth.Ingest.Tests;

/// <summary>Tests that share one real broker (each with its own endpoint prefix).</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "RabbitMQ";
}
