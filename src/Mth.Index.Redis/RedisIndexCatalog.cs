using Mth.Core.Codes;
using Mth.Core.Indexing;
using StackExchange.Redis;

namespace Mth.Index.Redis;

/// <summary>
/// The versions of an index in Redis and its active pointer, on a single node or a Redis Cluster (the
/// same keys and scripts: see docs/index.md). The catalog hash and the active pointer share one hash tag,
/// so switching the pointer is one compare-and-set script. The caller owns the connection; the catalog owns the
/// extra connections its indexes' searches read buckets on (<see cref="RedisIndexOptions.DirectBucketReads"/>),
/// closed by <see cref="Dispose"/>.
/// </summary>
public sealed class RedisIndexCatalog : IIndexCatalog, IDisposable
{
    private readonly RespBucketConnections? _directReads;
    private readonly IConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly RedisIndexOptions _options;
    private readonly RedisKeyLayout _keys;

    public RedisIndexCatalog(IConnectionMultiplexer connection, RedisIndexOptions? options = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options ?? new RedisIndexOptions();
        _options.Validate();
        _database = connection.GetDatabase();
        _keys = new RedisKeyLayout(_options.KeyPrefix);
        _directReads = _options.DirectBucketReads ? new RespBucketConnections(connection, _options.DirectReadBlockingWaitMicroseconds) : null;
    }

    /// <summary>Closes the bucket-read connections; indexes opened from this catalog go on reading through StackExchange.Redis.</summary>
    public void Dispose() => _directReads?.Dispose();

    public RedisIndexOptions Options => _options;

    public async ValueTask<IHammingIndex> CreateVersionAsync(string version, IndexVersionOptions options, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var shards = _options.ShardsPerVersion ?? Math.Max(1, _connection.GetServers().Count(s => s.IsConnected && !s.IsReplica));
        // Each shard holds about 1/S of the items: its tables are sized for that, with Redis's costs of a probe.
        var layout = options.SubstringCount is { } m
            ? Core.Indexing.MultiIndexHashing.SubstringLayout.Create(options.Bits, m)
            : RedisProbeCostModel.ChooseLayout(options.Bits, Math.Max(2, options.ExpectedItems / shards), _options.KeyCostBytes);
        var wanted = new RedisVersionInfo(options.Bits, layout.Count, shards, RedisVersionInfo.Creating);

        var stored = RedisVersionInfo.Parse((string)(await _database.ScriptEvaluateAsync(
            RedisScripts.RegisterVersion, [_keys.Versions], [version, wanted.ToJson()]).ConfigureAwait(false))!);
        if (stored.State == RedisVersionInfo.Dropping)
        {
            throw new IndexCatalogException($"Version '{version}' is being dropped; finish the drop before creating it again.");
        }

        if (stored.Bits != wanted.Bits || (options.SubstringCount is not null && stored.Substrings != wanted.Substrings) || (_options.ShardsPerVersion is not null && stored.Shards != wanted.Shards))
        {
            throw new IndexCatalogException($"Version '{version}' exists with other options ({stored.Bits} bits, {stored.Substrings} substrings, {stored.Shards} shards).");
        }

        var index = new RedisHammingIndex(_database, _keys, version, stored, _options, _directReads);
        if (stored.State == RedisVersionInfo.Creating)
        {
            // Idempotent: a creation interrupted part-way is completed by the next call.
            for (var s = 0; s < stored.Shards; s++)
            {
                try
                {
                    await _database.ScriptEvaluateAsync(RedisScripts.CreateShard, [index.Shards[s].Meta],
                        [stored.Bits, stored.Substrings, s, stored.Shards]).ConfigureAwait(false);
                }
                catch (RedisServerException e)
                {
                    throw new IndexCatalogException($"Shard {s} of version '{version}' cannot be created: {e.Message}", e);
                }
            }

            await _database.ScriptEvaluateAsync(RedisScripts.SetVersionState, [_keys.Versions],
                [version, RedisVersionInfo.Creating, RedisVersionInfo.Ready]).ConfigureAwait(false);
        }

        return index;
    }

    public async ValueTask<IHammingIndex?> OpenVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        cancellationToken.ThrowIfCancellationRequested();
        var json = await _database.HashGetAsync(_keys.Versions, version).ConfigureAwait(false);
        if (json.IsNull)
        {
            return null;
        }

        var info = RedisVersionInfo.Parse(json.ToString());
        return info.State == RedisVersionInfo.Ready ? new RedisHammingIndex(_database, _keys, version, info, _options, _directReads) : null;
    }

    public async ValueTask<IReadOnlyList<IndexVersionInfo>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entries = await _database.HashGetAllAsync(_keys.Versions).ConfigureAwait(false);
        return entries
            .Select(e => (Name: e.Name.ToString(), Info: RedisVersionInfo.Parse(e.Value.ToString())))
            .Where(e => e.Info.State != RedisVersionInfo.Creating)
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => new IndexVersionInfo(e.Name, e.Info.Bits, e.Info.Substrings,
                e.Info.State == RedisVersionInfo.Ready ? IndexVersionState.Ready : IndexVersionState.Dropping))
            .ToList();
    }

    public async ValueTask<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var active = await _database.StringGetAsync(_keys.Active).ConfigureAwait(false);
        return active.IsNullOrEmpty ? null : active.ToString();
    }

    public async ValueTask<bool> TrySetActiveVersionAsync(string? expectedActive, string newActive, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(newActive);
        if (expectedActive is not null)
        {
            IndexNames.ValidateVersion(expectedActive);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = (int)await _database.ScriptEvaluateAsync(RedisScripts.SetActive, [_keys.Versions, _keys.Active],
            [expectedActive ?? "", newActive]).ConfigureAwait(false);
        return result switch
        {
            1 => true,
            0 => false,
            -1 => throw new IndexCatalogException($"Version '{newActive}' does not exist and cannot become active."),
            _ => throw new IndexCatalogException($"Version '{newActive}' is not ready (being created or dropped) and cannot become active."),
        };
    }

    public async ValueTask DropVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        var json = await _database.HashGetAsync(_keys.Versions, version).ConfigureAwait(false);
        // Marking is one quick script and not cancelled: once marked, the version is gone for readers and
        // writers, and a cancelled or crashed deletion is finished by the next call.
        var begun = (int)await _database.ScriptEvaluateAsync(RedisScripts.BeginDrop, [_keys.Versions, _keys.Active], [version]).ConfigureAwait(false);
        if (begun == -1)
        {
            throw new IndexCatalogException($"Version '{version}' is active; make another version active before dropping it.");
        }

        if (begun == 0 || json.IsNull)
        {
            return;
        }

        var info = RedisVersionInfo.Parse(json.ToString());
        var index = new RedisHammingIndex(_database, _keys, version, info, _options);
        cancellationToken.ThrowIfCancellationRequested();
        for (var s = 0; s < index.Shards.Length; s++)
        {
            await DropShardAsync(index, index.Shards[s], cancellationToken).ConfigureAwait(false);
        }

        await _database.HashDeleteAsync(_keys.Versions, version).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops writes to the shard (state dropping: the write scripts refuse), then deletes its bucket keys in
    /// batches found from the ids hash (HSCAN, so nothing blocks Redis for long and no cross-slot command is
    /// needed), then the shard's hashes with UNLINK (freed in the background by Redis).
    /// </summary>
    private async Task DropShardAsync(RedisHammingIndex index, ShardKeys shard, CancellationToken cancellationToken)
    {
        if (await _database.KeyExistsAsync(shard.Meta).ConfigureAwait(false))
        {
            await _database.HashSetAsync(shard.Meta, "state", RedisVersionInfo.Dropping).ConfigureAwait(false);
        }

        var batch = new HashSet<RedisKey>();
        var keys = new RedisKey[index.Layout.Count];
        await foreach (var entry in _database.HashScanAsync(shard.Ids, pageSize: _options.DropBatchSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var code = BinaryCode.FromBytes(((byte[])entry.Value!).AsSpan(4));
            index.BucketKeys(shard, code, keys);
            batch.UnionWith(keys);
            if (batch.Count >= _options.DropBatchSize)
            {
                await _database.KeyDeleteAsync([.. batch], CommandFlags.None).ConfigureAwait(false);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await _database.KeyDeleteAsync([.. batch]).ConfigureAwait(false);
        }

        // UNLINK: large hashes (and the change feed) are freed by a background thread of Redis.
        await _database.ExecuteAsync("UNLINK", shard.Ids, shard.Ordinals, shard.Feed, shard.Meta).ConfigureAwait(false);
    }
}
