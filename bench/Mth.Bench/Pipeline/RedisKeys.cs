using StackExchange.Redis;

namespace Mth.Bench.Pipeline;

/// <summary>Removes everything a benchmark wrote under its own key prefix, on every primary, one DEL per slot and batch.</summary>
internal static class RedisKeys
{
    public static async Task DeleteAsync(IConnectionMultiplexer connection, string prefix)
    {
        var database = connection.GetDatabase();
        foreach (var server in connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var keys = new List<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: $"*{{{prefix}:*", pageSize: 5000).ConfigureAwait(false))
            {
                keys.Add(key);
            }

            foreach (var slot in keys.GroupBy(k => Mth.Index.Redis.HashSlot.Of(k.ToString())))
            {
                foreach (var batch in slot.Chunk(1000))
                {
                    await database.KeyDeleteAsync(batch).ConfigureAwait(false);
                }
            }
        }
    }
}
