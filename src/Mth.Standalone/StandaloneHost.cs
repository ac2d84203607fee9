using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mth.Encoder;
using Mth.Hosting;
using Mth.Hosting.Indexing;
using Mth.Hosting.Messaging;
using Mth.Ingest;
using Mth.Ingest.Dicom;
using Mth.Query;

namespace Mth.Standalone;

/// <summary>
/// <c>./mth run</c>: Ingest, Encoder and Query in one process, each registered by its own AddMthX exactly as its
/// own executable registers it, on one bus and one index. With nothing configured: the embedded defaults of
/// <see cref="StandaloneConfiguration"/>, the default model, a generated API key.
/// </summary>
internal static class StandaloneHost
{
    public static async Task<int> RunAsync(StandaloneArguments arguments, TextWriter console)
    {
        WebApplication app;
        StandaloneConfiguration standalone;
        string? apiKeyFile = null;
        var keyCreated = false;
        try
        {
            var builder = WebApplication.CreateBuilder([.. arguments.ConfigurationArguments]);
            builder.AddMthServiceDefaults("standalone");
            standalone = StandaloneConfiguration.Apply(builder.Configuration);
            if (!StandaloneConfiguration.HasApiKeyConfigured(builder.Configuration))
            {
                apiKeyFile = standalone.ApiKeyFile;
                StandaloneConfiguration.UseGeneratedApiKey(builder.Configuration, ApiKeyFile.ReadOrCreate(apiKeyFile, out keyCreated));
            }

            var published = await DefaultModel.PublishIfRegistryEmptyAsync(
                builder.Configuration["Models:Registry"] ?? "models", standalone.DefaultModel, CancellationToken.None).ConfigureAwait(false);
            if (published is not null)
            {
                await console.WriteLineAsync($"mth: published the default model {published} into the model registry").ConfigureAwait(false);
            }

            builder.AddMthIndex();
            builder.AddMthIngest();
            builder.AddMthEncoder();
            builder.AddMthQuery();
            builder.AddMthMessaging();
            builder.Services.AddHostedService<StoredInstanceCatchUp>();

            app = builder.Build();
            app.MapMthHealthEndpoints();
            app.MapMthQuery();
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (StartFailure.Describe(e) is { } reason)
        {
            await console.WriteLineAsync($"mth: could not start: {reason}").ConfigureAwait(false);
            return 1;
        }

        await using (app.ConfigureAwait(false))
        {
            await console.WriteLineAsync(Banner(app, standalone, apiKeyFile, keyCreated)).ConfigureAwait(false);
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>What a user needs to go on: where DICOM and HTTP listen, where the key is and how to use it.</summary>
    private static string Banner(WebApplication app, StandaloneConfiguration standalone, string? apiKeyFile, bool keyCreated)
    {
        var services = app.Services;
        var messaging = services.GetRequiredService<IOptions<MessagingOptions>>().Value;
        var index = services.GetRequiredService<IOptions<IndexOptions>>().Value;
        var ingest = services.GetRequiredService<IOptions<IngestOptions>>().Value;
        var dicomPort = services.GetRequiredService<DicomIngestService>().LocalEndPoint?.Port ?? ingest.Port;
        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var http = addresses.Count > 0 ? addresses[0] : "http://127.0.0.1:8080";
        var local = LocalUrl(http);
        var mode = messaging.Transport == MessagingTransport.InMemory && index.Provider == IndexProvider.Embedded
            ? $"embedded mode: in-memory bus, embedded index in {index.Embedded.Folder}"
            : $"bus {messaging.Transport}, index {index.Provider}";
        var key = apiKeyFile is null
            ? "  API key   as configured (Query:ApiKeys), sent in the X-Api-Key header"
            : $"  API key   {(keyCreated ? "generated now and kept" : "kept")} in {apiKeyFile} (mode 600); send it in the X-Api-Key header:\n"
              + $"            curl -H \"X-Api-Key: $(cat {apiKeyFile})\" {local}/v1/instances/SOP_INSTANCE_UID/similar?k=10";
        return $"""
            MTH Search is running ({mode}).
              DICOM     AE title {ingest.AeTitle}, port {dicomPort}: storescu -aec {ingest.AeTitle} 127.0.0.1 {dicomPort} FILE.dcm...
              HTTP      {string.Join(", ", addresses)} (ready: {local}/health/ready, OpenAPI: {local}/openapi/v1.json)
            {key}
              Data      {standalone.DataFolder}
            Stop with Ctrl+C; a restart keeps the data. Logs (JSON) go to stdout.
            """;
    }

    /// <summary>The address a local curl can use (a wildcard bind answers on loopback).</summary>
    private static string LocalUrl(string address) =>
        address.Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://+:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://*:", "://127.0.0.1:", StringComparison.Ordinal);
}
