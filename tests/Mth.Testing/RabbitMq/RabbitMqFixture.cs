using Xunit;

namespace Mth.Testing.RabbitMq;

/// <summary>
/// A real RabbitMQ for tests, from the first source that answers: a Testcontainers container
/// where a Docker engine runs; else the broker named by MTH_TEST_RABBITMQ (as ./mth test and
/// CI start it); else a node of its own started with scripts/services.sh. Fails with the reason
/// when none is possible. Tests isolate themselves with <see cref="UniquePrefix"/> as their
/// Messaging:EndpointPrefix (queues and exchanges both carry it), never by purging.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    private IAsyncDisposable? _owned;

    public string AmqpUri { get; private set; } = "";

    /// <summary>Where the broker came from, for failure messages.</summary>
    public string Source { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var container = await RabbitMqContainers.TryStartAsync();
        if (container is not null)
        {
            _owned = container;
            AmqpUri = container.GetConnectionString();
            Source = "Testcontainers " + RabbitMqContainers.Image;
            return;
        }

        var named = Environment.GetEnvironmentVariable("MTH_TEST_RABBITMQ");
        if (!string.IsNullOrWhiteSpace(named))
        {
            AmqpUri = named;
            Source = "MTH_TEST_RABBITMQ";
            return;
        }

        var node = await RabbitMqNode.StartAsync();
        _owned = node;
        AmqpUri = node.AmqpUri;
        Source = "a node started with scripts/services.sh";
    }

    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task DisposeAsync()
    {
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }
    }
}
