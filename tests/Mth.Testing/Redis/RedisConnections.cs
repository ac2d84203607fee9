using StackExchange.Redis;

namespace Mth.Testing.Redis;

public static class RedisConnections
{
    /// <summary>Connects to the given endpoints (one node, or seeds of a cluster), failing fast with the endpoints in the message.
    /// Admin commands are allowed: tests inspect slots and keys and flush scripts.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(IReadOnlyList<string> endPoints)
    {
        var options = new ConfigurationOptions { AbortOnConnectFail = true, AllowAdmin = true, ConnectTimeout = 5000, SyncTimeout = 10_000, AsyncTimeout = 10_000 };
        foreach (var endPoint in endPoints)
        {
            options.EndPoints.Add(endPoint);
        }

        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (RedisConnectionException e)
        {
            throw new InvalidOperationException($"Cannot connect to Redis at {string.Join(',', endPoints)}: {e.Message}", e);
        }
    }
}
