using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mth.Hosting;
using Mth.Hosting.Messaging;
using Mth.Ingest.Dicom;
using Mth.Ingest.Outbox;

namespace Mth.Ingest.Tests;

/// <summary>
/// Ingest hosted in the test process exactly as Program.cs hosts it (service defaults, AddMthIngest,
/// AddMthMessaging, health endpoints), configured from a dictionary instead of the environment.
/// Its DICOM and HTTP ports are chosen by the system. Stopping and starting another host on
/// the same folders is a restart.
/// </summary>
public sealed class IngestTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private IngestTestHost(WebApplication app, string root)
    {
        _app = app;
        Root = root;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Http = new HttpClient { BaseAddress = new Uri(addresses.First()) };
    }

    public string Root { get; }

    public IServiceProvider Services => _app.Services;

    public int DicomPort => Services.GetRequiredService<DicomIngestService>().LocalEndPoint!.Port;

    public OutboxDispatcher Dispatcher => Services.GetRequiredService<OutboxDispatcher>();

    public HttpClient Http { get; }

    /// <summary>Settings every test host gets; <paramref name="settings"/> adds to them or overrides them.</summary>
    public static async Task<IngestTestHost> StartAsync(string root, string amqpUri, string prefix, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["InstanceStore:Root"] = root,
            ["Ingest:Port"] = "0",
            ["Ingest:BindAddress"] = "127.0.0.1",
            ["Ingest:StudyQuietPeriod"] = "00:00:02",
            ["Ingest:Outbox:PublishTimeout"] = "00:00:02",
            ["Ingest:Outbox:MaxRetryDelay"] = "00:00:01",
            ["Ingest:Outbox:CheckpointInterval"] = "00:00:00.200",
            ["Messaging:Transport"] = "RabbitMq",
            ["Messaging:RabbitMqUri"] = amqpUri,
            ["Messaging:EndpointPrefix"] = prefix,
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddMthServiceDefaults("ingest");
        builder.AddMthIngest();
        builder.AddMthMessaging();
        var app = builder.Build();
        app.MapMthHealthEndpoints();
        await app.StartAsync();
        return new IngestTestHost(app, root);
    }

    /// <summary>GET /health/ready: true when it answers 200.</summary>
    public async Task<bool> IsReadyAsync()
    {
        using var response = await Http.GetAsync(new Uri("/health/ready", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>Graceful stop, as on SIGTERM.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
        await _app.DisposeAsync();
    }
}
