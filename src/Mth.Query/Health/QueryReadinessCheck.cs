using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mth.Core.Indexing;
using Mth.Query.ActiveModel;
using Mth.Query.Search;

namespace Mth.Query.Health;

/// <summary>
/// Ready when the index answers (the active pointer is read now, within 2 s) and the active version's model
/// is loaded. Degraded (still ready) when the catalog names a version that failed to load while an older one
/// serves, or when the replica has not caught up with Redis for a while.
/// </summary>
internal sealed class QueryReadinessCheck(IIndexCatalog catalog, ActiveSearch active, ActiveVersionFollower follower) : IHealthCheck
{
    private static readonly TimeSpan IndexTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReplicaStaleAfter = TimeSpan.FromSeconds(10);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string? wanted;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(IndexTimeout);
            wanted = await catalog.GetActiveVersionAsync(timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The index cannot be reached.", e);
        }

        var generation = active.Current;
        if (generation is null)
        {
            var reason = follower.LoadFailure is { } failure ? $" Version {failure.Version} failed to load: {failure.Reason}" : "";
            return HealthCheckResult.Unhealthy(wanted is null ? "The index has no active version." : $"The model of active version {wanted} is not loaded yet.{reason}");
        }

        var data = new Dictionary<string, object> { ["version"] = generation.Version, ["search"] = generation.Search.Mode };
        if (generation.Search is ReplicaVersionSearch { Replica: var replica })
        {
            var staleness = DateTimeOffset.UtcNow - replica.CaughtUpAt;
            data["replicaStalenessMs"] = Math.Round(staleness.TotalMilliseconds);
            if (staleness > ReplicaStaleAfter)
            {
                return HealthCheckResult.Degraded($"The replica of {generation.Version} last caught up {staleness.TotalSeconds:F0} s ago.", replica.LastError, data);
            }
        }

        if (!string.Equals(wanted, generation.Version, StringComparison.Ordinal))
        {
            return HealthCheckResult.Degraded($"Serving {generation.Version} while the index names {wanted ?? "no version"} (switch pending or failed).", null, data);
        }

        return HealthCheckResult.Healthy($"Serving {generation.Version}.", data);
    }
}
