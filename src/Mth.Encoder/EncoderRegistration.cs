using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Core.Coordination;
using Mth.Core.Indexing;
using Mth.Core.Instances;
using Mth.Encoder.Consumers;
using Mth.Encoder.Pipeline;
using Mth.Encoder.Options;
using Mth.Encoder.Reencoding;
using Mth.Encoder.Store;
using Mth.Encoding.Images;
using Mth.Encoding.Manifest;
using Mth.Hosting;
using Mth.Hosting.Indexing;
using Mth.Hosting.Messaging;
using Mth.Hosting.Storage;

namespace Mth.Encoder;

/// <summary>
/// <c>builder.AddMthEncoder()</c>: the encoder's logic, configured from sections <c>Encoder</c>, <c>Models</c>,
/// <c>InstanceStore</c> and <c>Index</c> (docs/encoder.md). Call <c>AddMthMessaging()</c> after it (once per
/// process): the encoder's consumers join the process's bus. No static state: several services can share a host.
/// </summary>
public static class EncoderRegistration
{
    public static IHostApplicationBuilder AddMthEncoder(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddMthIndex();
        var services = builder.Services;
        services.AddValidatedOptions<EncoderOptions>(EncoderOptions.Section);
        services.AddValidatedOptions<ModelsOptions>(ModelsOptions.Section);
        services.AddValidatedOptions<InstanceStoreOptions>(InstanceStoreOptions.Section);
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => new InstanceStore(sp.GetRequiredService<IOptions<InstanceStoreOptions>>().Value.Root));
        services.AddSingleton(_ => new DicomImageDecoder());
        services.AddSingleton<InstanceReader>();
        services.AddSingleton(sp => new BatchEncoder(sp.GetRequiredService<InstanceReader>(), sp.GetRequiredService<IInstanceCatalog>()));
        services.AddSingleton(sp => new EncoderModels(
            new ModelRegistry(sp.GetRequiredService<IOptions<ModelsOptions>>().Value.Registry),
            sp.GetRequiredService<IOptions<EncoderOptions>>().Value.ToHashEncoderOptions(),
            sp.GetRequiredService<ILogger<EncoderModels>>()));
        services.AddSingleton(sp => new ReencodingJobStore(sp.GetRequiredService<ICoordinationStore>()));
        services.AddSingleton(sp => new EncodingTargets(sp.GetRequiredService<IIndexCatalog>(), sp.GetRequiredService<ReencodingJobStore>(), sp.GetRequiredService<EncoderModels>()));
        services.AddSingleton<ReencodingProgressReporter>();
        services.AddSingleton<ReencodingCoordinator>();
        services.AddSingleton<EncoderReadiness>();

        services.AddSingleton<LiveEncodingQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveEncodingQueue>());
        services.AddHostedService<EncoderSupervisor>();

        services.AddHealthChecks().AddCheck<EncoderReadinessCheck>("encoder-model", tags: [ServiceDefaults.ReadyTag]);
        services.AddMthBusParticipant(bus =>
        {
            bus.AddConsumer<InstanceStoredConsumer, InstanceStoredConsumerDefinition>();
            bus.AddConsumer<ReencodingWorkConsumer, ReencodingWorkConsumerDefinition>();
            bus.AddConsumer<ReencodingRequestConsumer, ReencodingRequestConsumerDefinition>();
            bus.AddConsumer<ModelPublishedConsumer, ModelPublishedConsumerDefinition>();
        });
        return builder;
    }

    /// <summary>Ready once the active index version's model is loaded (so the first batch does not wait for it).</summary>
    private sealed class EncoderReadinessCheck(EncoderReadiness readiness) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(readiness.LoadedModel is { } model
                ? HealthCheckResult.Healthy($"Encoder: model {model} loaded.")
                : HealthCheckResult.Unhealthy("Encoder: no active index version's model loaded yet."));
    }
}
