using Testcontainers.RabbitMq;

namespace Mth.Testing.RabbitMq;

/// <summary>
/// A broker for one fault test alone, which the test stops and starts again: a container with a
/// fixed host port where Docker answers, else a local node killed by its process id
/// (<see cref="RabbitMqNode"/>). Either way the broker comes back at the same address with its
/// durable queues and persistent messages.
/// </summary>
public sealed class DedicatedRabbitMqBroker : IAsyncDisposable
{
    private readonly RabbitMqContainer? _container;
    private readonly RabbitMqNode? _node;

    private DedicatedRabbitMqBroker(RabbitMqContainer? container, RabbitMqNode? node, string amqpUri)
    {
        _container = container;
        _node = node;
        AmqpUri = amqpUri;
    }

    public string AmqpUri { get; }

    public static async Task<DedicatedRabbitMqBroker> StartAsync(CancellationToken cancellationToken = default)
    {
        var container = await RabbitMqContainers.TryStartAsync(Mth.Testing.DicomNetwork.FreeTcpPort.Next(), cancellationToken).ConfigureAwait(false);
        if (container is not null)
        {
            return new DedicatedRabbitMqBroker(container, null, container.GetConnectionString());
        }

        var node = await RabbitMqNode.StartAsync(cancellationToken).ConfigureAwait(false);
        return new DedicatedRabbitMqBroker(null, node, node.AmqpUri);
    }

    /// <summary>Stops the broker abruptly (a local node: SIGKILL by pid) and returns once it is gone.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        _container is not null ? _container.StopAsync(cancellationToken) : _node!.KillAsync(cancellationToken);

    /// <summary>Starts it again, same address, same data; returns once it accepts clients.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        _container is not null ? _container.StartAsync(cancellationToken) : _node!.RestartAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync().ConfigureAwait(false);
        }

        if (_node is not null)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
