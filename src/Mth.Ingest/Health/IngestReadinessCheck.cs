using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mth.Ingest.Dicom;
using Mth.Ingest.Outbox;

namespace Mth.Ingest.Health;

/// <summary>Ready when the DICOM listener is up and the outbox is draining (empty, or the broker confirmed an event within the stall threshold).</summary>
public sealed class IngestReadinessCheck : IHealthCheck
{
    private readonly DicomIngestService _service;
    private readonly OutboxDispatcher _dispatcher;

    public IngestReadinessCheck(DicomIngestService service, OutboxDispatcher dispatcher)
    {
        _service = service;
        _dispatcher = dispatcher;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var draining = _dispatcher.IsDraining(out var pending, out var sinceProgress);
        var data = new Dictionary<string, object>
        {
            ["listening"] = _service.IsListening,
            ["pendingEvents"] = pending,
            ["secondsSinceOutboxProgress"] = Math.Round(sinceProgress.TotalSeconds, 1),
        };
        if (!_service.IsListening)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The DICOM listener is not running.", data: data));
        }

        return Task.FromResult(draining
            ? HealthCheckResult.Healthy($"{pending} events pending.", data)
            : HealthCheckResult.Unhealthy($"{pending} events wait in the outbox and the broker has confirmed none for {sinceProgress.TotalSeconds:0} s.", data: data));
    }
}
