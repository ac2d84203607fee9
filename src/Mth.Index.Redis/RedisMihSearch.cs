using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Indexing.MultiIndexHashing;
using StackExchange.Redis;

namespace Mth.Index.Redis;

/// <summary>
/// One MIH search against Redis, computed by the client. Each round trip sends, to every shard at once,
/// MGETs (pipelined, <see cref="RedisIndexOptions.KeysPerCommand"/> keys each) of the bucket keys of the next
/// (radius, table) steps; buckets carry the codes inline, so the client computes distances without further reads.
/// A round trip's steps cost at most <see cref="RedisIndexOptions.RoundCostBytes"/> per shard (keys and bucket
/// bytes, <see cref="RedisProbeCostModel"/>) and stop at the step whose pigeonhole bound proves the current k-th
/// distance; each round trip lowers that distance, so the next is planned shorter. The first stops at radius 0
/// or where recent searches ended (<see cref="RecentKthDistances"/>). A last HMGET per shard turns the winning
/// ordinals into ids. Typically two or three round trips per query.
/// </summary>
internal sealed class RedisMihSearch : IArrayReplySink
{
    private readonly RedisHammingIndex _index;
    private readonly ulong[] _query;
    private readonly uint[] _values;
    private readonly int _limit;
    private readonly bool _shrinking;
    private readonly int[] _histogram;
    private readonly HashSet<long> _seen = [];
    private readonly List<Candidate> _candidates = [];
    private int _threshold;
    private int _withinThreshold;
    private long _keysRead;
    private long _bytesRead;
    private long _roundBytes;
    private long _roundScanTicks;

    private RedisMihSearch(RedisHammingIndex index, BinaryCode query, int limit, int threshold, bool shrinking)
    {
        _index = index;
        _query = query.Words.ToArray();
        _values = new uint[index.Layout.Count];
        index.Layout.ExtractAll(_query, _values);
        _limit = limit;
        _threshold = threshold;
        _shrinking = shrinking;
        _histogram = new int[index.Bits + 1];
    }

    public static Task<IReadOnlyList<Neighbor>> NearestAsync(RedisHammingIndex index, BinaryCode query, int k, CancellationToken cancellationToken) =>
        new RedisMihSearch(index, query, k, index.Bits, shrinking: true).RunAsync(cancellationToken);

    public static Task<IReadOnlyList<Neighbor>> RadiusAsync(RedisHammingIndex index, BinaryCode query, int radius, CancellationToken cancellationToken) =>
        new RedisMihSearch(index, query, int.MaxValue, radius, shrinking: false).RunAsync(cancellationToken);

    private bool Proven(int bound) => _shrinking ? _withinThreshold >= _limit && _threshold <= bound : bound >= _threshold;

    private async Task<IReadOnlyList<Neighbor>> RunAsync(CancellationToken cancellationToken)
    {
        var layout = _index.Layout;
        var options = _index.Options;
        var statistics = _index.Statistics;
        int radius = 0, table = 0;
        long probesPerShard = 0;
        var exhausted = false;
        var firstRound = true;
        var round = new List<(int Radius, int Table)>();

        // Where the first round trip stops: radius 0, or as far as most recent searches with this k needed.
        var firstTarget = _shrinking && options.FirstRoundRadiusZero ? _index.RecentKth.LowDecile(_limit) : null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var planned = Stopwatch.GetTimestamp();
            round.Clear();
            double roundCost = 0;
            var bound = -1;

            // Bucket bytes as read so far (per key and shard): near the query, clustered codes fill buckets unevenly.
            var bytesPerKey = _keysRead == 0 ? 0.0 : (double)_bytesRead / _keysRead;
            while (!exhausted)
            {
                var size = HammingBall.SphereSize(layout.Length(table), radius);
                var cost = size * (options.KeyCostBytes + bytesPerKey);
                if (round.Count > 0 && (roundCost + cost > options.RoundCostBytes || (firstRound && options.FirstRoundRadiusZero && radius > 0 && (firstTarget is not { } target || bound >= target))))
                {
                    break;
                }

                if (probesPerShard + size > options.MaxProbesPerShard)
                {
                    return await FullScanAsync(cancellationToken).ConfigureAwait(false);
                }

                round.Add((radius, table));
                roundCost += cost;
                probesPerShard += size;
                bound = layout.ProvenDistance(radius, table);
                if (++table == layout.Count)
                {
                    table = 0;
                    exhausted = ++radius > layout.MaxLength;
                }

                if (Proven(bound))
                {
                    break;
                }
            }

            if (round.Count > 0)
            {
                await ProbeAsync(round, planned, cancellationToken).ConfigureAwait(false);
            }

            firstRound = false;

            if (exhausted || Proven(bound))
            {
                if (_shrinking && _withinThreshold >= _limit)
                {
                    _index.RecentKth.Add(_limit, _threshold);
                }

                var resolving = Stopwatch.GetTimestamp();
                var result = await ResolveAsync(cancellationToken).ConfigureAwait(false);
                statistics?.AddSearch(Stopwatch.GetTimestamp() - resolving);
                return result;
            }
        }
    }

    private async Task ProbeAsync(List<(int Radius, int Table)> round, long planned, CancellationToken cancellationToken)
    {
        var shards = _index.Shards;
        var keyCount = 0;
        foreach (var (radius, table) in round)
        {
            keyCount += _index.SphereMasks(_index.Layout.Length(table), radius).Length;
        }

        // The round's buckets as (table, value): the same for every shard, each shard names them under its own tag.
        var buckets = ArrayPool<(int Table, uint Value)>.Shared.Rent(keyCount);
        var at = 0;
        foreach (var (radius, table) in round)
        {
            var value = _values[table];
            foreach (var mask in _index.SphereMasks(_index.Layout.Length(table), radius))
            {
                buckets[at++] = (table, value ^ mask);
            }
        }

        var pool = _index.DirectReads;
        var direct = new RespBucketConnection?[shards.Length];
        var throughClient = new List<Task<RedisValue[]>>?[shards.Length];
        _roundBytes = 0;
        _roundScanTicks = 0;
        long waited = 0;
        var sent = planned;
        var directShards = 0;
        try
        {
            for (var s = 0; s < shards.Length; s++)
            {
                direct[s] = pool is null ? null : await SendDirectAsync(pool, s, buckets.AsMemory(0, keyCount), cancellationToken).ConfigureAwait(false);
                if (direct[s] is null)
                {
                    throughClient[s] = SendThroughClient(s, buckets.AsSpan(0, keyCount));
                }
            }

            sent = Stopwatch.GetTimestamp();
            for (var s = 0; s < shards.Length; s++)
            {
                // In the order sent; on a shard's own connection, Redis answers in the order asked.
                var waiting = Stopwatch.GetTimestamp();
                if (direct[s] is { } connection)
                {
                    direct[s] = null;
                    try
                    {
                        await connection.ReadArrayRepliesAsync(this, s, pool!.Timeout, cancellationToken).ConfigureAwait(false);
                        directShards++;
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        // MOVED or ASK (slots moving), a dropped connection, a timeout: read the shard again through
                        // StackExchange.Redis, which follows redirections. Entries already scanned are seen again and skipped.
                        throughClient[s] = SendThroughClient(s, buckets.AsSpan(0, keyCount));
                    }
                    finally
                    {
                        pool!.Return(connection);
                    }
                }

                if (throughClient[s] is { } replies)
                {
                    foreach (var reply in replies)
                    {
                        foreach (var bucket in await reply.WaitAsync(cancellationToken).ConfigureAwait(false))
                        {
                            if (!bucket.IsNull)
                            {
                                // As memory, not byte[]: no copy of the reply's bytes.
                                Bucket(s, ((ReadOnlyMemory<byte>)bucket).Span);
                            }
                        }
                    }
                }

                waited += Stopwatch.GetTimestamp() - waiting;
            }
        }
        catch
        {
            // The error (or cancellation) goes to the caller: connections with replies unread are closed, and
            // replies not awaited yet must not fault unobserved.
            foreach (var connection in direct)
            {
                connection?.Dispose();
            }

            foreach (var replies in throughClient)
            {
                foreach (var reply in replies ?? [])
                {
                    _ = reply.ContinueWith(static t => t.Exception, CancellationToken.None,
                        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }

            throw;
        }
        finally
        {
            ArrayPool<(int Table, uint Value)>.Shared.Return(buckets);
        }

        _keysRead += keyCount;
        _bytesRead += _roundBytes / shards.Length;
        _index.Statistics?.AddRound(keyCount * shards.Length, _roundBytes, shards.Length, directShards, sent - planned, waited - _roundScanTicks, _roundScanTicks);
    }

    /// <summary>The shard's MGETs sent on a connection of its own, or null when none can be had (the caller then uses StackExchange.Redis).</summary>
    private ValueTask<RespBucketConnection?> SendDirectAsync(RespBucketConnections pool, int shard, ReadOnlyMemory<(int Table, uint Value)> buckets, CancellationToken cancellationToken) =>
        SendOnOwnConnectionAsync(pool, shard, connection =>
        {
            // Several MGETs at once (pipelined): the client scans one reply while Redis builds the next.
            var chunk = _index.Options.KeysPerCommand;
            for (var from = 0; from < buckets.Length; from += chunk)
            {
                connection.AppendBucketMget(_index.Shards[shard], buckets.Span[from..Math.Min(buckets.Length, from + chunk)]);
            }
        }, cancellationToken);

    /// <summary>
    /// Commands appended and sent on a rented connection of the shard's, which the caller reads and returns;
    /// null when none can be had or sending failed (the caller then uses StackExchange.Redis).
    /// </summary>
    private async ValueTask<RespBucketConnection?> SendOnOwnConnectionAsync(RespBucketConnections pool, int shard, Action<RespBucketConnection> append, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(_index.Shards[shard].Meta, _index.Database.Database, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return null;
        }

        try
        {
            append(connection);
            await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            pool.Return(connection);
            return null;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The shard's MGETs through StackExchange.Redis (pipelined, <see cref="RedisIndexOptions.KeysPerCommand"/> keys each).</summary>
    private List<Task<RedisValue[]>> SendThroughClient(int shard, ReadOnlySpan<(int Table, uint Value)> buckets)
    {
        var keys = new RedisKey[buckets.Length];
        for (var i = 0; i < buckets.Length; i++)
        {
            keys[i] = _index.Shards[shard].Bucket(buckets[i].Table, buckets[i].Value);
        }

        var chunk = _index.Options.KeysPerCommand;
        var replies = new List<Task<RedisValue[]>>();
        for (var from = 0; from < keys.Length; from += chunk)
        {
            replies.Add(_index.Database.StringGetAsync(keys[from..Math.Min(keys.Length, from + chunk)]));
        }

        return replies;
    }

    /// <summary>One bucket of an MGET reply on the search's own connection.</summary>
    public void Element(int shard, int index, ReadOnlySpan<byte> entries) => Bucket(shard, entries);

    /// <summary>One bucket of a reply: its candidates are scanned at once.</summary>
    private void Bucket(int shard, ReadOnlySpan<byte> entries)
    {
        _roundBytes += entries.Length;
        if (_index.Statistics is null)
        {
            ScanEntries(shard, entries);
            return;
        }

        var scanning = Stopwatch.GetTimestamp();
        ScanEntries(shard, entries);
        _roundScanTicks += Stopwatch.GetTimestamp() - scanning;
    }

    private void ScanEntries(int shard, ReadOnlySpan<byte> entries)
    {
        var size = 4 + _index.CodeBytes;
        if (_index.CodeBytes == 8)
        {
            // 64-bit codes, the common case: one load and one popcount per entry.
            var query = _query[0];
            for (var at = 0; at + 12 <= entries.Length; at += 12)
            {
                var distance = BitOperations.PopCount(BinaryPrimitives.ReadUInt64BigEndian(entries.Slice(at + 4, 8)) ^ query);
                if (distance <= _threshold)
                {
                    Add(shard, BinaryPrimitives.ReadUInt32BigEndian(entries.Slice(at, 4)), distance, id: null);
                }
            }

            return;
        }

        for (var at = 0; at + size <= entries.Length; at += size)
        {
            var distance = Distance(entries.Slice(at + 4, _index.CodeBytes));
            if (distance <= _threshold)
            {
                var ordinal = BinaryPrimitives.ReadUInt32BigEndian(entries.Slice(at, 4));
                Add(shard, ordinal, distance, id: null);
            }
        }
    }

    private void Add(int shard, uint ordinal, int distance, string? id)
    {
        if (!_seen.Add(((long)shard << 32) | ordinal))
        {
            return;
        }

        _candidates.Add(new Candidate(shard, ordinal, distance, id));
        _histogram[distance]++;
        _withinThreshold++;
        if (!_shrinking)
        {
            return;
        }

        // Keep the threshold at the k-th smallest distance seen: candidates beyond it can never enter.
        while (_threshold > 0 && _withinThreshold - _histogram[_threshold] >= _limit)
        {
            _withinThreshold -= _histogram[_threshold];
            _threshold--;
        }
    }

    private int Distance(ReadOnlySpan<byte> code)
    {
        var distance = 0;
        for (var w = 0; w < _query.Length; w++)
        {
            var bytes = code[(w * 8)..];
            ulong word;
            if (bytes.Length >= 8)
            {
                word = BinaryPrimitives.ReadUInt64BigEndian(bytes);
            }
            else
            {
                word = 0;
                for (var i = 0; i < bytes.Length; i++)
                {
                    word |= (ulong)bytes[i] << (56 - 8 * i);
                }
            }

            distance += BitOperations.PopCount(word ^ _query[w]);
        }

        return distance;
    }

    /// <summary>Reads every code of every shard (HSCAN of the ids hashes): the exact answer when probing would cost more.</summary>
    private async Task<IReadOnlyList<Neighbor>> FullScanAsync(CancellationToken cancellationToken)
    {
        _candidates.Clear();
        _seen.Clear();
        Array.Clear(_histogram);
        _withinThreshold = 0;
        _threshold = _shrinking ? _index.Bits : _threshold;
        var shards = _index.Shards;
        for (var s = 0; s < shards.Length; s++)
        {
            await foreach (var entry in _index.Database.HashScanAsync(shards[s].Ids, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var value = (byte[])entry.Value!;
                var distance = Distance(value.AsSpan(4));
                if (distance <= _threshold)
                {
                    Add(s, BinaryPrimitives.ReadUInt32BigEndian(value), distance, entry.Name.ToString());
                }
            }
        }

        return await ResolveAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ids for the candidates within the threshold (one HMGET per shard), then the final order and cut.</summary>
    private async Task<IReadOnlyList<Neighbor>> ResolveAsync(CancellationToken cancellationToken)
    {
        var winners = _candidates.Where(c => c.Distance <= _threshold).ToList();
        var missing = winners.Where(c => c.Id is null).GroupBy(c => c.Shard).Select(g => (Shard: g.Key, Ordinals: g.Select(c => c.Ordinal).ToArray())).ToList();
        var ids = new IdSink();
        var pool = _index.DirectReads;
        var direct = new RespBucketConnection?[missing.Count];
        var throughClient = new Task<RedisValue[]>?[missing.Count];
        try
        {
            for (var g = 0; g < missing.Count; g++)
            {
                direct[g] = pool is null ? null : await SendIdLookupAsync(pool, missing[g].Shard, missing[g].Ordinals, cancellationToken).ConfigureAwait(false);
                throughClient[g] = direct[g] is null ? LookUpThroughClient(missing[g].Shard, missing[g].Ordinals) : null;
            }

            for (var g = 0; g < missing.Count; g++)
            {
                ids.Ordinals = missing[g].Ordinals;
                if (direct[g] is { } connection)
                {
                    direct[g] = null;
                    try
                    {
                        await connection.ReadArrayRepliesAsync(ids, missing[g].Shard, pool!.Timeout, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        throughClient[g] = LookUpThroughClient(missing[g].Shard, missing[g].Ordinals);
                    }
                    finally
                    {
                        pool!.Return(connection);
                    }
                }

                if (throughClient[g] is { } lookup)
                {
                    var names = await lookup.WaitAsync(cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < names.Length; i++)
                    {
                        if (!names[i].IsNullOrEmpty)
                        {
                            ids.Found(missing[g].Shard, missing[g].Ordinals[i], names[i].ToString());
                        }
                    }
                }
            }
        }
        catch
        {
            foreach (var connection in direct)
            {
                connection?.Dispose();
            }

            foreach (var lookup in throughClient)
            {
                _ = lookup?.ContinueWith(static t => t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            throw;
        }

        var result = new List<Neighbor>(winners.Count);
        foreach (var c in winners)
        {
            // No id: deleted since it was probed (searches are not isolated from concurrent writes).
            var id = c.Id ?? ids.Names.GetValueOrDefault(((long)c.Shard << 32) | c.Ordinal);
            if (id is not null)
            {
                result.Add(new Neighbor(id, c.Distance));
            }
        }

        result.Sort(NeighborOrder.Instance);
        if (result.Count > _limit)
        {
            result.RemoveRange(_limit, result.Count - _limit);
        }

        return result;
    }

    /// <summary>The shard's id lookup sent on a connection of its own, or null when none can be had.</summary>
    private ValueTask<RespBucketConnection?> SendIdLookupAsync(RespBucketConnections pool, int shard, uint[] ordinals, CancellationToken cancellationToken) =>
        SendOnOwnConnectionAsync(pool, shard, connection => connection.AppendOrdinalsHmget(_index.Shards[shard], ordinals), cancellationToken);

    private Task<RedisValue[]> LookUpThroughClient(int shard, uint[] ordinals) =>
        _index.Database.HashGetAsync(_index.Shards[shard].Ordinals, ordinals.Select(o => (RedisValue)o.ToString(CultureInfo.InvariantCulture)).ToArray());

    /// <summary>Ids by (shard, ordinal), from HMGET replies (element i is the id of the i-th ordinal asked for).</summary>
    private sealed class IdSink : IArrayReplySink
    {
        public Dictionary<long, string> Names { get; } = [];

        public uint[] Ordinals { get; set; } = [];

        public void Element(int shard, int index, ReadOnlySpan<byte> value) => Found(shard, Ordinals[index], System.Text.Encoding.UTF8.GetString(value));

        public void Found(int shard, uint ordinal, string id) => Names[((long)shard << 32) | ordinal] = id;
    }

    private readonly record struct Candidate(int Shard, uint Ordinal, int Distance, string? Id);
}
