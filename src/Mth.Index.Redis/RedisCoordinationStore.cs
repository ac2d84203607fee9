using Mth.Core.Coordination;
using StackExchange.Redis;

namespace Mth.Index.Redis;

/// <summary>
/// Coordination documents in Redis: one hash per key, <c>{P:coordination}:&lt;key&gt;</c> with fields v (value)
/// and r (revision). All share one hash tag (a handful of small documents: one slot is plenty), and a
/// write is one compare-and-set script. Survives a Redis restart exactly as the index does (docs/index.md).
/// </summary>
public sealed class RedisCoordinationStore : ICoordinationStore
{
    private const string WriteScript = """
        local r = tonumber(redis.call('HGET', KEYS[1], 'r') or '0')
        if r ~= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', r + 1)
        return r + 1
        """;

    private readonly IDatabase _database;
    private readonly string _prefix;

    public RedisCoordinationStore(IConnectionMultiplexer connection, string keyPrefix = "mth")
    {
        ArgumentNullException.ThrowIfNull(connection);
        _prefix = RedisIndexOptions.ValidatePrefix(keyPrefix);
        _database = connection.GetDatabase();
    }

    public async ValueTask<CoordinationDocument?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        CoordinationKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        var values = await _database.HashGetAsync(Key(key), ["v", "r"]).ConfigureAwait(false);
        return values[0].IsNull || values[1].IsNull ? null : new CoordinationDocument(key, values[0].ToString(), (long)values[1]);
    }

    public async ValueTask<long?> TryWriteAsync(string key, string value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        CoordinationKeys.Validate(key);
        ArgumentNullException.ThrowIfNull(value);
        CoordinationKeys.CheckRevision(expectedRevision);
        cancellationToken.ThrowIfCancellationRequested();
        var revision = (long)await _database.ScriptEvaluateAsync(WriteScript, [Key(key)], [expectedRevision, value]).ConfigureAwait(false);
        return revision == 0 ? null : revision;
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        CoordinationKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        return await _database.KeyDeleteAsync(Key(key)).ConfigureAwait(false);
    }

    private RedisKey Key(string key) => $"{{{_prefix}:coordination}}:{key}";
}
