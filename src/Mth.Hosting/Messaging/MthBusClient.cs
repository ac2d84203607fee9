using MassTransit;

namespace Mth.Hosting.Messaging;

/// <summary>
/// A publish-only connection to a deployment's RabbitMQ for command-line tools (`./mth train publish`, a
/// reindex request): the conventions of <see cref="MessagingRegistration.AddMthMessaging"/> (publisher
/// confirms, exchanges named with the endpoint prefix) without a host. A publish returns once the broker
/// confirmed it, or fails after <see cref="PublishTimeout"/> with the broker's address in the message.
/// </summary>
public sealed class MthBusClient : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly MessagingOptions _options;

    private MthBusClient(IBusControl bus, MessagingOptions options)
    {
        _bus = bus;
        _options = options;
    }

    public static TimeSpan PublishTimeout { get; } = TimeSpan.FromSeconds(30);

    public static async Task<MthBusClient> StartAsync(MessagingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Transport != MessagingTransport.RabbitMq)
        {
            throw new InvalidOperationException("The in-memory transport lives inside one process: a tool can only reach a deployment over RabbitMQ.");
        }

        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(options.RabbitMqUri), host => host.PublisherConfirmation = true);
            cfg.MessageTopology.SetEntityNameFormatter(new PrefixedEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, options.EndpointPrefix));
        });
        await bus.StartAsync(cancellationToken).ConfigureAwait(false);
        return new MthBusClient(bus, options);
    }

    public async Task PublishAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        try
        {
            await _bus.Publish(message, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"RabbitMQ at {Redact(_options.RabbitMqUri)} did not confirm the {typeof(T).Name} message within {PublishTimeout.TotalSeconds:0} s.");
        }
    }

    public async ValueTask DisposeAsync() => await _bus.StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>The URI without its password, for messages.</summary>
    private static string Redact(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.UserInfo.Length > 0
            ? new UriBuilder(parsed) { Password = "" }.Uri.ToString()
            : uri;
}
