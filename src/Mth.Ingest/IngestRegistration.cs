using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Hosting;
using Mth.Hosting.Storage;
using Mth.Ingest.Dicom;
using Mth.Ingest.Health;
using Mth.Ingest.Outbox;
using Mth.Ingest.Storage;
using Mth.Ingest.Studies;

namespace Mth.Ingest;

public static class IngestRegistration
{
    /// <summary>
    /// Registers the DICOM service (sections <c>Ingest</c> and <c>InstanceStore</c>): listener,
    /// durable store, event outbox and its dispatcher, study announcements, readiness check.
    /// It publishes on the process's bus: call <c>AddMthMessaging</c> after it.
    /// </summary>
    public static IHostApplicationBuilder AddMthIngest(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<IngestOptions>(IngestOptions.Section);
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.AddValidatedOptions<InstanceStoreOptions>(InstanceStoreOptions.Section);
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<IngestPaths>();
        services.AddSingleton(sp => new EventOutbox(sp.GetRequiredService<IngestPaths>().Outbox, sp.GetRequiredService<ILogger<EventOutbox>>()));
        services.AddSingleton<FlushThreads>();
        services.AddSingleton<DurableDirectories>();
        services.AddSingleton<StudyActivityTracker>();
        services.AddSingleton<IOutboxPublisher, BusOutboxPublisher>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddSingleton<DicomNetworkLogAdapter>();
        services.AddSingleton<IngestInstanceStore>();
        services.AddSingleton<DicomIngestService>();
        services.AddHostedService(sp => sp.GetRequiredService<DicomIngestService>());
        services.AddHealthChecks().AddCheck<IngestReadinessCheck>("ingest", tags: [ServiceDefaults.ReadyTag]);
        return builder;
    }

    /// <summary>Checks what data annotations cannot: the network options as the DICOM server checks them, and positive periods.</summary>
    private sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
    {
        public ValidateOptionsResult Validate(string? name, IngestOptions options)
        {
            var failures = new List<string>();
            try
            {
                options.ToServerOptions();
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                failures.Add("Ingest: " + ex.Message);
            }

            if (!System.Net.IPAddress.TryParse(options.BindAddress, out _))
            {
                failures.Add($"Ingest:BindAddress '{options.BindAddress}' is not an IP address.");
            }

            Positive(options.StudyQuietPeriod, "Ingest:StudyQuietPeriod", failures);
            var outbox = options.Outbox;
            Positive(outbox.PublishTimeout, "Ingest:Outbox:PublishTimeout", failures);
            Positive(outbox.MaxRetryDelay, "Ingest:Outbox:MaxRetryDelay", failures);
            Positive(outbox.StallThreshold, "Ingest:Outbox:StallThreshold", failures);
            Positive(outbox.CheckpointInterval, "Ingest:Outbox:CheckpointInterval", failures);
            if (outbox.DrainOnStop < TimeSpan.Zero)
            {
                failures.Add("Ingest:Outbox:DrainOnStop must not be negative.");
            }

            if (outbox.MaxPendingEvents < 1)
            {
                failures.Add("Ingest:Outbox:MaxPendingEvents must be at least 1.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static void Positive(TimeSpan value, string name, List<string> failures)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{name} must be positive.");
            }
        }
    }
}
