using StackExchange.Redis;

namespace Mth.Testing.Redis;

/// <summary>Finding and removing the keys a test wrote on shared servers (SCAN per primary: tests only).</summary>
public static class RedisTestKeys
{
    /// <summary>Every key containing <paramref name="prefix"/>, on every primary.</summary>
    public static async Task<List<string>> KeysAsync(IConnectionMultiplexer connection, string prefix)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var keys = new List<string>();
        foreach (var server in connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: $"*{prefix}*", pageSize: 1000))
            {
                keys.Add(key.ToString());
            }
        }

        return keys;
    }

    /// <summary>Deletes every key containing <paramref name="prefix"/> (one command per key, so any slot layout works).</summary>
    public static async Task DeleteAsync(IConnectionMultiplexer connection, string prefix)
    {
        var database = connection.GetDatabase();
        foreach (var batch in (await KeysAsync(connection, prefix)).Chunk(1000))
        {
            await Task.WhenAll(batch.Select(k => database.KeyDeleteAsync(k)));
        }
    }
}
