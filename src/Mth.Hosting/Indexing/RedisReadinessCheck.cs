using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Mth.Hosting.Indexing;

/// <summary>Ready when every primary the connection knows answers PING (a cluster's too); unhealthy with the endpoints that do not.</summary>
public sealed class RedisReadinessCheck(IConnectionMultiplexer connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var primaries = connection.GetServers().Where(s => !s.IsReplica).ToList();
        if (primaries.Count == 0)
        {
            return HealthCheckResult.Unhealthy("Redis: no primary known to the connection.");
        }

        var failed = new List<string>();
        foreach (var server in primaries)
        {
            try
            {
                if (!server.IsConnected)
                {
                    failed.Add($"{server.EndPoint} (not connected)");
                    continue;
                }

                await server.PingAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                failed.Add($"{server.EndPoint} ({e.GetType().Name})");
            }
        }

        return failed.Count == 0
            ? HealthCheckResult.Healthy($"Redis: {primaries.Count} primaries answer.")
            : HealthCheckResult.Unhealthy($"Redis: no answer from {string.Join(", ", failed)}.");
    }
}
