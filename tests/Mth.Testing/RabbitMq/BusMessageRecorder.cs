using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Mth.Hosting.Messaging;

namespace Mth.Testing.RabbitMq;

/// <summary>A message a recorder received, with the envelope ids the publisher set.</summary>
public sealed record RecordedMessage<T>(T Message, Guid? MessageId, Guid? CorrelationId, Guid? ConversationId, DateTimeOffset ReceivedAt)
    where T : class;

/// <summary>
/// Subscribes to messages on a real RabbitMQ with the services' conventions (exchanges carry
/// the endpoint prefix, as <c>AddMthMessaging</c> names them) and keeps what arrives, so a test
/// can check what a service published. Its queue is bound before <see cref="StartAsync"/>
/// returns. A durable queue survives a broker restart (fault tests); otherwise it is deleted
/// when the recorder stops.
/// </summary>
public sealed class BusMessageRecorder : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Type, ConcurrentQueue<object>> _received = new();
    private IBusControl? _bus;

    private BusMessageRecorder()
    {
    }

    /// <param name="record">Which message types to record: <c>r => r.Record&lt;InstanceStored&gt;()</c>.</param>
    public static async Task<BusMessageRecorder> StartAsync(string amqpUri, string endpointPrefix, Action<RecorderSubscriptions> record,
        bool durableQueue = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var recorder = new BusMessageRecorder();
        var subscriptions = new RecorderSubscriptions(recorder);
        record(subscriptions);
        var queue = $"{endpointPrefix}-recorder-{Guid.NewGuid().ToString("N")[..6]}";
        recorder._bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(amqpUri));
            cfg.MessageTopology.SetEntityNameFormatter(new PrefixedEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, endpointPrefix));
            cfg.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.Durable = durableQueue;
                endpoint.AutoDelete = !durableQueue;
                foreach (var subscribe in subscriptions.Handlers)
                {
                    subscribe(endpoint);
                }
            });
        });
        var handle = await recorder._bus.StartAsync(cancellationToken).ConfigureAwait(false);
        await handle.Ready.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return recorder;
    }

    public IReadOnlyList<RecordedMessage<T>> Received<T>()
        where T : class =>
        _received.TryGetValue(typeof(T), out var queue) ? [.. queue.Cast<RecordedMessage<T>>()] : [];

    /// <summary>Waits until <paramref name="condition"/> holds for the messages of type <typeparamref name="T"/> received so far; throws <see cref="TimeoutException"/> saying what arrived otherwise.</summary>
    public async Task<IReadOnlyList<RecordedMessage<T>>> WaitForAsync<T>(Func<IReadOnlyList<RecordedMessage<T>>, bool> condition, TimeSpan timeout,
        CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(condition);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var received = Received<T>();
            if (condition(received))
            {
                return received;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"After {timeout.TotalSeconds:0} s the recorder holds {received.Count} {typeof(T).Name} messages, which do not satisfy the condition.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void Add<T>(ConsumeContext<T> context)
        where T : class =>
        _received.GetOrAdd(typeof(T), _ => new ConcurrentQueue<object>())
            .Enqueue(new RecordedMessage<T>(context.Message, context.MessageId, context.CorrelationId, context.ConversationId, DateTimeOffset.UtcNow));

    /// <summary>The message types a recorder subscribes to.</summary>
    public sealed class RecorderSubscriptions
    {
        private readonly BusMessageRecorder _recorder;

        internal RecorderSubscriptions(BusMessageRecorder recorder)
        {
            _recorder = recorder;
        }

        internal List<Action<IRabbitMqReceiveEndpointConfigurator>> Handlers { get; } = [];

        public RecorderSubscriptions Record<T>()
            where T : class
        {
            Handlers.Add(endpoint => endpoint.Handler<T>(context =>
            {
                _recorder.Add(context);
                return Task.CompletedTask;
            }));
            return this;
        }
    }
}
