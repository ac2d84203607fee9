using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mth.Hosting.Messaging;
using Mth.Ingest;
using Mth.Ingest.Dicom;
using Mth.Ingest.Outbox;
using Mth.Ingest.Storage;

namespace Mth.Bench.Ingest;

/// <summary>
/// The Ingest service as a benchmark runs it: AddMthIngest and AddMthMessaging in a generic
/// host, DICOM on a loopback port the system picks, no console logging (warnings and errors
/// still reach the console). The pipeline benchmark can start it the same way.
/// </summary>
public sealed class IngestBenchHost : IAsyncDisposable
{
    private readonly IHost _host;

    private IngestBenchHost(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    public int DicomPort => Services.GetRequiredService<DicomIngestService>().LocalEndPoint!.Port;

    public IngestInstanceStore Store => Services.GetRequiredService<IngestInstanceStore>();

    public OutboxDispatcher Dispatcher => Services.GetRequiredService<OutboxDispatcher>();

    /// <param name="amqpUri">RabbitMQ to publish to; null: the in-memory bus.</param>
    /// <param name="settings">More configuration (Ingest:…, Messaging:…), overriding the defaults here.</param>
    public static async Task<IngestBenchHost> StartAsync(string root, string aeTitle, string? amqpUri,
        IReadOnlyDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["InstanceStore:Root"] = root,
            ["Ingest:AeTitle"] = aeTitle,
            ["Ingest:Port"] = "0",
            ["Ingest:BindAddress"] = "127.0.0.1",
            ["Messaging:Transport"] = amqpUri is null ? "InMemory" : "RabbitMq",
            ["Messaging:RabbitMqUri"] = amqpUri ?? "amqp://unused/",
            ["Messaging:EndpointPrefix"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
            // No consumer is bound in a benchmark: published events must not wait for one.
            ["Ingest:Outbox:RequireInstanceStoredRoute"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddMthIngest();
        builder.AddMthMessaging();
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return new IngestBenchHost(host);
    }

    /// <summary>Waits until the dispatcher has delivered <paramref name="count"/> events.</summary>
    public async Task WaitForDeliveredAsync(long count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Dispatcher.Delivered < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"Only {Dispatcher.Delivered} of {count} events were delivered within {timeout.TotalSeconds:0} s."));
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}
