using System.Globalization;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Indexing.MultiIndexHashing;
using StackExchange.Redis;

namespace Mth.Index.Redis.Replication;

/// <summary>
/// An in-memory, read-only copy of one Redis index version, searched by the in-process MIH
/// (<see cref="MultiIndexHashingIndex"/>) instead of over the network. Loading reads each shard's feed
/// position and then its items (HSCAN); following applies each shard's change feed (a stream appended by
/// the same script as every write, numbered without gaps) from that position on. Because replaying the feed
/// from a position taken before the scan ends in the shard's exact state whatever the scan saw of the
/// changes made meanwhile, the replica holds exactly what Redis held when it last drained the feeds, at most
/// about <see cref="RedisIndexReplicaOptions.PollInterval"/> plus a round trip ago (<see cref="CaughtUpAt"/>).
/// A gap in the numbering (the replica fell further behind than the feed keeps) or a reset counter (Redis
/// lost its data) makes it load the version again in the background while the old copy keeps answering.
/// </summary>
public sealed class RedisIndexReplica : IAsyncDisposable
{
    private readonly RedisHammingIndex _source;
    private readonly RedisIndexReplicaOptions _options;
    private readonly SemaphoreSlim _pollGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ReplicaState _state;
    private Task _following = Task.CompletedTask;
    private long _caughtUpTicks;
    private long _changesApplied;
    private int _reloads;
    private volatile Exception? _lastError;
    private volatile bool _sourceAvailable = true;

    private RedisIndexReplica(RedisHammingIndex source, RedisIndexReplicaOptions options, ReplicaState state)
    {
        _source = source;
        _options = options;
        _state = state;
        _caughtUpTicks = DateTimeOffset.UtcNow.UtcTicks;
    }

    public string Version => _source.Version;

    public int Bits => _source.Bits;

    /// <summary>The Redis version this replica copies.</summary>
    public RedisHammingIndex Source => _source;

    /// <summary>When every shard's feed was last read to its end: the replica holds Redis's state of that moment or later.</summary>
    public DateTimeOffset CaughtUpAt => new(Interlocked.Read(ref _caughtUpTicks), TimeSpan.Zero);

    /// <summary>Feed entries applied since the replica was loaded.</summary>
    public long ChangesApplied => Interlocked.Read(ref _changesApplied);

    /// <summary>Times the version was loaded again after a gap or a reset.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>False while the version is missing or being dropped in Redis (the replica keeps its last state).</summary>
    public bool SourceAvailable => _sourceAvailable;

    /// <summary>The last error met while following (null once a read succeeds again).</summary>
    public Exception? LastError => _lastError;

    /// <summary>Loads the version and starts following its changes in the background.</summary>
    public static async Task<RedisIndexReplica> StartAsync(RedisHammingIndex source, RedisIndexReplicaOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new RedisIndexReplicaOptions();
        options.Validate();
        var state = await LoadAsync(source, options, cancellationToken).ConfigureAwait(false);
        var replica = new RedisIndexReplica(source, options, state);
        await replica.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        replica._following = Task.Run(() => replica.FollowAsync(replica._stop.Token), CancellationToken.None);
        return replica;
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _state.Index.CountAsync(cancellationToken);

    public ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken = default) => _state.Index.GetCodeAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken = default) =>
        _state.Index.SearchNearestAsync(query, k, cancellationToken);

    public ValueTask<IReadOnlyList<Neighbor>> SearchRadiusAsync(BinaryCode query, int radius, CancellationToken cancellationToken = default) =>
        _state.Index.SearchRadiusAsync(query, radius, cancellationToken);

    /// <summary>Reads every shard's feed to its end now (a write acknowledged before this call is then in the replica).</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken = default)
    {
        while (!await PollAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    private async Task FollowAsync(CancellationToken stop)
    {
        var delay = _options.RetryDelay;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var drained = await PollAsync(stop).ConfigureAwait(false);
                _lastError = null;
                delay = _options.RetryDelay;
                if (drained)
                {
                    await Task.Delay(_sourceAvailable ? _options.PollInterval : _options.MaxRetryDelay, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException or IndexCatalogException or FormatException or InvalidOperationException)
            {
                // Redis unreachable or the version changed under us: keep the last state and try again.
                _lastError = e;
                try
                {
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>One read of every shard's feed; true when all were drained. Reloads the version on a gap.</summary>
    private async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        await _pollGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = DateTimeOffset.UtcNow;
            var state = _state;
            var shards = _source.Shards;
            var reads = new Task<RedisResult>[shards.Length];
            for (var s = 0; s < shards.Length; s++)
            {
                reads[s] = _source.Database.ScriptEvaluateAsync(RedisScripts.ReadFeed, [shards[s].Meta, shards[s].Feed],
                    [state.Cursors[s].LastId, _options.ReadBatch]);
            }

            await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);
            var drained = true;
            var reload = false;
            var available = true;
            for (var s = 0; s < shards.Length && !reload; s++)
            {
                var reply = (RedisResult[])reads[s].Result!;
                if (reply[0].IsNull || (string?)reply[0] != RedisVersionInfo.Ready)
                {
                    // Dropped, being dropped, or lost with Redis's data: keep answering from the last state.
                    available = false;
                    continue;
                }

                var shardSeq = long.Parse((string)reply[1]!, CultureInfo.InvariantCulture);
                var entries = (RedisResult[])reply[2]!;
                var cursor = state.Cursors[s];
                if (entries.Length == 0)
                {
                    // Nothing after our entry yet the counter moved (or went back): entries were lost to us.
                    reload = shardSeq != cursor.Seq;
                    continue;
                }

                foreach (var entry in entries)
                {
                    var change = FeedEntry.Parse(entry);
                    if (change.Seq != cursor.Seq + 1)
                    {
                        reload = true;
                        break;
                    }

                    await ApplyAsync(state.Index, change, cancellationToken).ConfigureAwait(false);
                    cursor.Seq = change.Seq;
                    cursor.LastId = change.EntryId;
                    Interlocked.Increment(ref _changesApplied);
                }

                drained &= entries.Length < _options.ReadBatch;
            }

            _sourceAvailable = available;
            if (reload)
            {
                _state = await LoadAsync(_source, _options, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _reloads);
                return false;
            }

            if (drained)
            {
                Interlocked.Exchange(ref _caughtUpTicks, started.UtcTicks);
            }

            return drained;
        }
        finally
        {
            _pollGate.Release();
        }
    }

    private static async ValueTask ApplyAsync(MultiIndexHashingIndex index, FeedEntry change, CancellationToken cancellationToken)
    {
        if (change.Upsert)
        {
            await index.UpsertAsync(change.Id, change.Code!, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await index.DeleteAsync(change.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The feed position of every shard, then every item (HSCAN): the starting state for following the feeds.</summary>
    private static async Task<ReplicaState> LoadAsync(RedisHammingIndex source, RedisIndexReplicaOptions options, CancellationToken cancellationToken)
    {
        var shards = source.Shards;
        var cursors = new ShardCursor[shards.Length];
        for (var s = 0; s < shards.Length; s++)
        {
            var reply = (RedisResult[])(await source.Database.ScriptEvaluateAsync(RedisScripts.FeedPosition, [shards[s].Meta, shards[s].Feed]).ConfigureAwait(false))!;
            if (reply[0].IsNull || (string?)reply[0] != RedisVersionInfo.Ready)
            {
                throw new IndexCatalogException($"Version '{source.Version}' no longer exists or is being dropped; it cannot be replicated.");
            }

            cursors[s] = new ShardCursor(long.Parse((string)reply[1]!, CultureInfo.InvariantCulture), (string)reply[2]!);
        }

        var expected = await source.CountAsync(cancellationToken).ConfigureAwait(false);
        var index = new MultiIndexHashingIndex(source.Version, new IndexVersionOptions(source.Bits) { ExpectedItems = Math.Max(2, expected) });
        await Task.WhenAll(shards.Select(shard => LoadShardAsync(source, shard, index, options, cancellationToken))).ConfigureAwait(false);
        return new ReplicaState(index, cursors);
    }

    private static async Task LoadShardAsync(RedisHammingIndex source, ShardKeys shard, MultiIndexHashingIndex index, RedisIndexReplicaOptions options, CancellationToken cancellationToken)
    {
        var batch = new List<IndexEntry>(options.LoadPageSize);
        await foreach (var item in source.Database.HashScanAsync(shard.Ids, pageSize: options.LoadPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            batch.Add(new IndexEntry(item.Name.ToString(), BinaryCode.FromBytes(((ReadOnlyMemory<byte>)item.Value).Span[4..])));
            if (batch.Count == options.LoadPageSize)
            {
                await index.UpsertManyAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await index.UpsertManyAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _following.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private sealed record ReplicaState(MultiIndexHashingIndex Index, ShardCursor[] Cursors);

    /// <summary>Where the replica stands in one shard's feed: the last entry applied and its number.</summary>
    private sealed class ShardCursor(long seq, string lastId)
    {
        public long Seq { get; set; } = seq;

        public string LastId { get; set; } = lastId;
    }

    /// <summary>One feed entry: [id, [s, seq, o, u|d, i, id, c, code]].</summary>
    private readonly record struct FeedEntry(string EntryId, long Seq, bool Upsert, string Id, BinaryCode? Code)
    {
        public static FeedEntry Parse(RedisResult entry)
        {
            var parts = (RedisResult[])entry!;
            var fields = (RedisResult[])parts[1]!;
            long? seq = null;
            string? op = null, id = null;
            byte[]? code = null;
            for (var f = 0; f + 1 < fields.Length; f += 2)
            {
                switch ((string?)fields[f])
                {
                    case "s": seq = long.Parse((string)fields[f + 1]!, CultureInfo.InvariantCulture); break;
                    case "o": op = (string?)fields[f + 1]; break;
                    case "i": id = (string?)fields[f + 1]; break;
                    case "c": code = (byte[]?)fields[f + 1]; break;
                }
            }

            if (seq is null || id is null || op is not ("u" or "d") || (op == "u" && (code is null || code.Length == 0)))
            {
                throw new FormatException($"Malformed change feed entry {(string?)parts[0]}.");
            }

            return new FeedEntry((string)parts[0]!, seq.Value, op == "u", id, op == "u" ? BinaryCode.FromBytes(code) : null);
        }
    }
}
