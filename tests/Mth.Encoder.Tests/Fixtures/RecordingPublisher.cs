using MassTransit;

namespace Mth.Encoder.Tests.Fixtures;

/// <summary>
/// Stands in for the bus where a test must stop a handler between two of its publishes, as a crash would:
/// records what is published and throws on publish number <see cref="FailAt"/> (1-based; 0: never).
/// </summary>
public sealed class RecordingPublisher : IPublishEndpoint
{
    private readonly List<object> _published = [];

    public int FailAt { get; init; }

    public IReadOnlyList<object> Published => _published;

    public IEnumerable<T> Of<T>() => _published.OfType<T>();

    public ConnectHandle ConnectPublishObserver(IPublishObserver observer) => throw new NotSupportedException("No observers in this test double.");

    public Task Publish<T>(T message, CancellationToken cancellationToken = default)
        where T : class => Record(message);

    public Task Publish<T>(T message, IPipe<PublishContext<T>> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Record(message);

    public Task Publish<T>(T message, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Record(message);

    public Task Publish(object message, CancellationToken cancellationToken = default) => Record(message);

    public Task Publish(object message, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) => Record(message);

    public Task Publish(object message, Type messageType, CancellationToken cancellationToken = default) => Record(message);

    public Task Publish(object message, Type messageType, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default) => Record(message);

    public Task Publish<T>(object values, CancellationToken cancellationToken = default)
        where T : class => Record(values);

    public Task Publish<T>(object values, IPipe<PublishContext<T>> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Record(values);

    public Task Publish<T>(object values, IPipe<PublishContext> publishPipe, CancellationToken cancellationToken = default)
        where T : class => Record(values);

    private Task Record(object message)
    {
        if (FailAt > 0 && _published.Count + 1 == FailAt)
        {
            throw new IOException($"Publish {FailAt} failed (the process died here).");
        }

        _published.Add(message);
        return Task.CompletedTask;
    }
}
