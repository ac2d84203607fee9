using System.Runtime.CompilerServices;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Indexing.MultiIndexHashing;
using StackExchange.Redis;

namespace Mth.Index.Redis;

/// <summary>
/// One index version in Redis (single node or cluster): items spread over shards by id, each shard a
/// complete MIH (ids, ordinals, m tables of bucket strings) under one hash tag. Writes are one Lua call per
/// item (or per batch of a shard's items), so each item changes atomically; repeating a write changes
/// nothing. Several processes may write and search at once. Obtain it from <see cref="RedisIndexCatalog"/>.
/// </summary>
public sealed class RedisHammingIndex : IHammingIndex
{
    private const int MaxRetries = 32;

    internal RedisHammingIndex(IDatabase database, RedisKeyLayout keys, string version, RedisVersionInfo info, RedisIndexOptions options, RespBucketConnections? directReads = null)
    {
        Database = database;
        DirectReads = directReads;
        Version = version;
        Bits = info.Bits;
        CodeBytes = info.Bits / 8;
        Layout = SubstringLayout.Create(info.Bits, info.Substrings);
        Options = options;
        Shards = Enumerable.Range(0, info.Shards).Select(s => keys.Shard(version, s, info.Shards)).ToArray();
        Statistics = options.CollectSearchStatistics ? new RedisSearchStatistics() : null;
    }

    /// <summary>Where searches spend their time; null unless <see cref="RedisIndexOptions.CollectSearchStatistics"/>.</summary>
    public RedisSearchStatistics? Statistics { get; }

    /// <summary>The k-th distances recent searches ended with: how far a search's first round trip reads.</summary>
    internal RecentKthDistances RecentKth { get; } = new();

    /// <summary>The XOR masks of a Hamming sphere, computed once per (substring length, radius) and shared by searches.</summary>
    internal uint[] SphereMasks(int length, int radius) =>
        _sphereMasks.GetOrAdd((length, radius), static key => [.. HammingBall.Masks(key.Length, key.Radius)]);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Length, int Radius), uint[]> _sphereMasks = new();

    public string Version { get; }

    public int Bits { get; }

    public SubstringLayout Layout { get; }

    /// <summary>Number of shards (hash tags) of this version.</summary>
    public int ShardCount => Shards.Length;

    internal IDatabase Database { get; }

    /// <summary>The catalog's own connections for bucket reads; null: every read goes through StackExchange.Redis.</summary>
    internal RespBucketConnections? DirectReads { get; }

    internal RedisIndexOptions Options { get; }

    internal ShardKeys[] Shards { get; }

    internal int CodeBytes { get; }

    /// <summary>The hash tag of each shard (for operators: which slot holds which part).</summary>
    public IReadOnlyList<string> ShardTags => Shards.Select(s => s.Tag).ToArray();

    public async ValueTask<UpsertOutcome> UpsertAsync(string id, BinaryCode code, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        IndexArguments.CheckCode(code, Bits, nameof(code));
        var shard = RedisKeyLayout.ShardOf(id, Shards.Length);
        var result = await InsertAsync(shard, [new IndexEntry(id, code)], cancellationToken).ConfigureAwait(false);
        return result[0] == 3 ? await UpdateAsync(shard, id, code, cancellationToken).ConfigureAwait(false) : Outcome(result[0]);
    }

    public async ValueTask<UpsertSummary> UpsertManyAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckEntries(entries, Bits);
        var batches = entries
            .GroupBy(e => RedisKeyLayout.ShardOf(e.Id, Shards.Length))
            .SelectMany(g => g.Chunk(Options.UpsertBatchSize).Select(chunk => (Shard: g.Key, Entries: chunk)))
            .ToList();
        var summary = default(UpsertSummary);
        var gate = new object();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = Options.UpsertConcurrency, CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                var results = await InsertAsync(batch.Shard, batch.Entries, ct).ConfigureAwait(false);
                var local = default(UpsertSummary);
                for (var i = 0; i < results.Length; i++)
                {
                    local = local.Add(results[i] == 3
                        ? await UpdateAsync(batch.Shard, batch.Entries[i].Id, batch.Entries[i].Code, ct).ConfigureAwait(false)
                        : Outcome(results[i]));
                }

                lock (gate)
                {
                    summary += local;
                }
            }).ConfigureAwait(false);
        return summary;
    }

    private static UpsertOutcome Outcome(int scriptResult) => scriptResult switch
    {
        1 => UpsertOutcome.Inserted,
        0 => UpsertOutcome.Unchanged,
        2 => UpsertOutcome.Updated,
        _ => throw new InvalidOperationException($"Unexpected index script result {scriptResult}."),
    };

    private async Task<int[]> InsertAsync(int shard, IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var keys = Shards[shard];
        var m = Layout.Count;
        var scriptKeys = new RedisKey[FixedKeys + entries.Count * m];
        var args = new RedisValue[2 + 2 * entries.Count];
        SetFixedKeys(keys, scriptKeys);
        args[0] = m;
        args[1] = Options.ChangeFeedLength;
        for (var i = 0; i < entries.Count; i++)
        {
            BucketKeys(keys, entries[i].Code, scriptKeys.AsSpan(FixedKeys + i * m, m));
            args[2 + 2 * i] = entries[i].Id;
            args[3 + 2 * i] = entries[i].Code.ToBytes();
        }

        var result = await EvaluateAsync(RedisScripts.Insert, scriptKeys, args).ConfigureAwait(false);
        return (int[])result!;
    }

    private async Task<UpsertOutcome> UpdateAsync(int shard, string id, BinaryCode code, CancellationToken cancellationToken)
    {
        var keys = Shards[shard];
        var m = Layout.Count;
        for (var attempt = 0; attempt < MaxRetries; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = await Database.HashGetAsync(keys.Ids, id).ConfigureAwait(false);
            if (stored.IsNull)
            {
                // Deleted meanwhile: insert afresh.
                var inserted = await InsertAsync(shard, [new IndexEntry(id, code)], cancellationToken).ConfigureAwait(false);
                if (inserted[0] != 3)
                {
                    return Outcome(inserted[0]);
                }

                continue;
            }

            var old = BinaryCode.FromBytes(((byte[])stored!).AsSpan(4));
            var scriptKeys = new RedisKey[FixedKeys + 2 * m];
            SetFixedKeys(keys, scriptKeys);
            BucketKeys(keys, old, scriptKeys.AsSpan(FixedKeys, m));
            BucketKeys(keys, code, scriptKeys.AsSpan(FixedKeys + m, m));
            var result = (int)await EvaluateAsync(RedisScripts.Update, scriptKeys, [m, Options.ChangeFeedLength, id, old.ToBytes(), code.ToBytes()]).ConfigureAwait(false);
            if (result is 2 or 0)
            {
                return Outcome(result);
            }
        }

        throw new InvalidOperationException($"Item '{id}' kept changing under concurrent writers; gave up after {MaxRetries} attempts.");
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        var keys = Shards[RedisKeyLayout.ShardOf(id, Shards.Length)];
        var m = Layout.Count;
        for (var attempt = 0; attempt < MaxRetries; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = await Database.HashGetAsync(keys.Ids, id).ConfigureAwait(false);
            if (stored.IsNull)
            {
                return false;
            }

            var old = BinaryCode.FromBytes(((byte[])stored!).AsSpan(4));
            var scriptKeys = new RedisKey[FixedKeys + m];
            SetFixedKeys(keys, scriptKeys);
            BucketKeys(keys, old, scriptKeys.AsSpan(FixedKeys, m));
            var result = (int)await EvaluateAsync(RedisScripts.Delete, scriptKeys, [m, Options.ChangeFeedLength, id, old.ToBytes()]).ConfigureAwait(false);
            if (result is 1 or 0)
            {
                return result == 1;
            }
        }

        throw new InvalidOperationException($"Item '{id}' kept changing under concurrent writers; gave up after {MaxRetries} attempts.");
    }

    public async ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = await Database.HashGetAsync(Shards[RedisKeyLayout.ShardOf(id, Shards.Length)].Ids, id).ConfigureAwait(false);
        return stored.IsNull ? null : BinaryCode.FromBytes(((byte[])stored!).AsSpan(4));
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var counts = await Task.WhenAll(Shards.Select(s => Database.HashLengthAsync(s.Ids))).ConfigureAwait(false);
        return counts.Sum();
    }

    public async IAsyncEnumerable<string> EnumerateIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var shard in Shards)
        {
            // HSCAN with values: NOVALUES needs Redis 7.4, Debian 12 ships 7.0.
            await foreach (var entry in Database.HashScanAsync(shard.Ids, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return entry.Name.ToString();
            }
        }
    }

    public async ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckK(k);
        return await RedisMihSearch.NearestAsync(this, query, k, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<Neighbor>> SearchRadiusAsync(BinaryCode query, int radius, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckCode(query, Bits, nameof(query));
        IndexArguments.CheckRadius(radius, Bits);
        return await RedisMihSearch.RadiusAsync(this, query, radius, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keys every write script takes before the bucket keys: meta, ids, ords, feed.</summary>
    private const int FixedKeys = 4;

    private static void SetFixedKeys(ShardKeys keys, RedisKey[] scriptKeys)
    {
        scriptKeys[0] = keys.Meta;
        scriptKeys[1] = keys.Ids;
        scriptKeys[2] = keys.Ordinals;
        scriptKeys[3] = keys.Feed;
    }

    internal void BucketKeys(ShardKeys keys, BinaryCode code, Span<RedisKey> destination)
    {
        for (var j = 0; j < Layout.Count; j++)
        {
            destination[j] = keys.Bucket(j, Layout.Extract(code.Words, j));
        }
    }

    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await Database.ScriptEvaluateAsync(script, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.Contains(RedisScripts.Unavailable, StringComparison.Ordinal))
        {
            throw new IndexCatalogException($"Version '{Version}' no longer exists or is being dropped.", e);
        }
    }
}
