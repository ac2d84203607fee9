using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mth.Hosting;
using Mth.Hosting.Messaging;

namespace Mth.Encoder.Tests.Fixtures;

/// <summary>
/// The encoder hosted in the test process exactly as Program.cs hosts it (service defaults, AddMthEncoder,
/// AddMthMessaging, health endpoints), configured from a dictionary. Starting returns once the bus is connected.
/// </summary>
public sealed class EncoderHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private EncoderHost(WebApplication app)
    {
        _app = app;
    }

    public IServiceProvider Services => _app.Services;

    public static async Task<EncoderHost> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddMthServiceDefaults("encoder");
        builder.AddMthEncoder();
        builder.AddMthMessaging();
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        var app = builder.Build();
        app.MapMthHealthEndpoints();
        await app.StartAsync();
        return new EncoderHost(app);
    }

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
        await _app.DisposeAsync();
    }
}
