using System.Net;
using Mth.Core.Indexing;
using Mth.Testing.Indexing;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>
/// Searches read buckets over connections of their own (<see cref="RespBucketConnection"/>), and whatever goes
/// wrong there (the server closes them, a cluster node redirects) the shard is read through StackExchange.Redis
/// and the answers stay exact.
/// </summary>
[Collection("redis")]
public sealed class DirectBucketReadTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task An_mget_reply_reaches_the_sink_bucket_by_bucket_in_key_order_whatever_the_bucket_sizes(string topology)
    {
        var shard = new RedisKeyLayout(NewPrefix(topology)).Shard("v1", 0, 1);
        var database = Connection(topology).GetDatabase();
        // Missing and empty buckets, bytes that look like RESP framing, and buckets larger than the reader's first buffer.
        int[] sizes = [-1, 0, 1, 12, 5000, 300_000, -1, 7, 2_500_000, 12, 0, 40_000];
        var random = new Random(17);
        var buckets = new (int Table, uint Value)[sizes.Length];
        var expected = new List<byte[]>();
        for (var i = 0; i < sizes.Length; i++)
        {
            buckets[i] = (i % 5, (uint)(1000 + i));
            if (sizes[i] < 0)
            {
                continue;
            }

            var value = new byte[sizes[i]];
            random.NextBytes(value);
            if (value.Length >= 12)
            {
                "\r\n$-1\r\n*2\r\n"u8.CopyTo(value);
            }

            await database.StringSetAsync(shard.Bucket(buckets[i].Table, buckets[i].Value), value);
            if (value.Length > 0)
            {
                expected.Add(value);
            }
        }

        using var connection = await RespBucketConnection.ConnectAsync(Owner(topology, shard), null, null, 0, Timeout, CancellationToken.None);
        for (var round = 0; round < 2; round++)
        {
            // Three pipelined MGETs in one request; the second round shows the connection stays usable.
            connection.AppendBucketMget(shard, buckets.AsSpan(0, 5));
            connection.AppendBucketMget(shard, buckets.AsSpan(5, 1));
            connection.AppendBucketMget(shard, buckets.AsSpan(6));
            await connection.FlushAsync(CancellationToken.None);
            var sink = new RecordingSink();
            await connection.ReadArrayRepliesAsync(sink, shard: 4, Timeout, CancellationToken.None);

            Assert.Equal(expected.Count, sink.Buckets.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i].AsSpan().SequenceEqual(sink.Buckets[i].Entries), $"round {round}, bucket {i}");
                Assert.Equal(4, sink.Buckets[i].Shard);
            }

            Assert.False(connection.Broken);
        }
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task An_hmget_of_ordinals_hands_over_each_id_with_its_position_and_skips_the_missing_ones(string topology)
    {
        var shard = new RedisKeyLayout(NewPrefix(topology)).Shard("v1", 0, 1);
        await Connection(topology).GetDatabase().HashSetAsync(shard.Ordinals, [new("7", "1.2.3.7"), new("12345678", "1.2.3.12345678"), new("0", "1.2.3.0")]);
        using var connection = await RespBucketConnection.ConnectAsync(Owner(topology, shard), null, null, 0, Timeout, CancellationToken.None);

        connection.AppendOrdinalsHmget(shard, [12345678u, 9u, 0u, 4000000000u, 7u]);
        await connection.FlushAsync(CancellationToken.None);
        var sink = new RecordingSink();
        await connection.ReadArrayRepliesAsync(sink, shard: 1, Timeout, CancellationToken.None);

        Assert.Equal([0, 2, 4], sink.Indexes);
        Assert.Equal(["1.2.3.12345678", "1.2.3.0", "1.2.3.7"], sink.Buckets.Select(b => System.Text.Encoding.UTF8.GetString(b.Entries)));
    }

    [Fact]
    public async Task A_cluster_node_that_does_not_hold_the_shard_answers_moved_and_the_connection_is_given_up()
    {
        var shard = new RedisKeyLayout(NewPrefix("cluster")).Shard("v1", 0, 1);
        var owner = Owner("cluster", shard);
        var other = ClusterConnection.GetServers().First(s => !s.IsReplica && !s.EndPoint.Equals(owner)).EndPoint;
        using var connection = await RespBucketConnection.ConnectAsync(other, null, null, 0, Timeout, CancellationToken.None);
        connection.AppendBucketMget(shard, [(0, 1u), (1, 2u)]);
        await connection.FlushAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<RespErrorReplyException>(() =>
            connection.ReadArrayRepliesAsync(new RecordingSink(), 0, Timeout, CancellationToken.None).AsTask());

        Assert.Contains("MOVED", error.Message, StringComparison.Ordinal);
        Assert.True(connection.Broken);
    }

    [Theory]
    [InlineData("single", 0)]
    [InlineData("single", 2000)]
    [InlineData("cluster", 0)]
    [InlineData("cluster", 2000)]
    public async Task Searches_read_every_shard_on_their_own_connections_and_answer_as_through_the_client(string topology, int blockingWaitMicroseconds)
    {
        var (catalog, index, truth, queries) = await LoadAsync(topology, "uniform", blockingWaitMicroseconds);

        await IndexWorkload.CheckSearchesAsync(index, truth, queries, [1, 10, 50], [0, 8], $"{topology} direct");
        Assert.Equal(1.0, index.Statistics!.Profile().DirectShare);

        var throughClient = Track(new RedisIndexCatalog(Connection(topology), catalog.Options with { DirectBucketReads = false }));
        var clientIndex = (RedisHammingIndex)(await throughClient.OpenVersionAsync("v1"))!;
        await IndexWorkload.CheckSearchesAsync(clientIndex, truth, queries, [1, 10, 50], [0, 8], $"{topology} through the client");
        Assert.Equal(0.0, clientIndex.Statistics!.Profile().DirectShare);

        // A closed catalog's indexes go on answering, through StackExchange.Redis.
        catalog.Dispose();
        index.Statistics.Reset();
        await IndexWorkload.CheckSearchesAsync(index, truth, queries, [10], [], $"{topology} after the catalog closed");
        Assert.Equal(0.0, index.Statistics.Profile().DirectShare);
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task When_the_server_closes_the_bucket_connections_the_shards_are_read_through_the_client_and_answers_stay_exact(string topology)
    {
        var (_, index, truth, queries) = await LoadAsync(topology, "clustered", new RedisIndexOptions().DirectReadBlockingWaitMicroseconds);
        await IndexWorkload.CheckSearchesAsync(index, truth, queries[..2], [10], [], $"{topology} before");
        var failures = index.DirectReads!.Failures;

        var killed = await KillBucketConnectionsAsync(topology);
        Assert.True(killed >= index.ShardCount, $"{killed} bucket connections closed for {index.ShardCount} shards");
        index.Statistics!.Reset();
        await IndexWorkload.CheckSearchesAsync(index, truth, queries, [1, 10, 50], [0, 8], $"{topology} after the server closed the connections");

        Assert.True(index.DirectReads.Failures >= failures + index.ShardCount, $"failures {failures} → {index.DirectReads.Failures}");
        // The closed connections were read through the client once; later searches connected afresh.
        var share = index.Statistics.Profile().DirectShare;
        Assert.True(share is > 0 and < 1, $"direct share {share}");
    }

    [Fact]
    public async Task Behind_a_password_and_in_another_database_the_own_connections_authenticate_and_select_as_the_client_does()
    {
        var directory = Directory.CreateTempSubdirectory("mth-redis-auth-").FullName;
        try
        {
            using var server = RedisProcess.Start(directory, RedisProcess.FreePort(), "--requirepass", "s3cret");
            var configuration = new ConfigurationOptions { Password = "s3cret", DefaultDatabase = 3, AbortOnConnectFail = true, AsyncTimeout = 10_000 };
            configuration.EndPoints.Add(server.EndPoint);
            await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
            using var catalog = new RedisIndexCatalog(connection, new RedisIndexOptions { KeyPrefix = "auth", CollectSearchStatistics = true });
            var index = (RedisHammingIndex)await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64) { ExpectedItems = 500 });
            var codes = IndexWorkload.Codes(64, 500, "uniform", 3);
            var truth = await IndexWorkload.LoadAsync(index, codes);

            // Buckets read from database 0, or not at all, could not give the brute force's answers.
            await IndexWorkload.CheckSearchesAsync(index, truth, IndexWorkload.Queries(codes, 64, "uniform", 4, 4), [1, 10], [4], "password, database 3");
            Assert.Equal(1.0, index.Statistics!.Profile().DirectShare);
            Assert.Equal(0, index.DirectReads!.Failures);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task<(RedisIndexCatalog Catalog, RedisHammingIndex Index, BruteForce Truth, Core.Codes.BinaryCode[] Queries)> LoadAsync(string topology, string shape, int blockingWaitMicroseconds)
    {
        const int bits = 64, size = 2000;
        var catalog = Catalog(topology, out _, new RedisIndexOptions { CollectSearchStatistics = true, KeysPerCommand = 50, DirectReadBlockingWaitMicroseconds = blockingWaitMicroseconds });
        var index = (RedisHammingIndex)await catalog.CreateVersionAsync("v1", new IndexVersionOptions(bits) { ExpectedItems = size });
        var codes = IndexWorkload.Codes(bits, size, shape, 23);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        return (catalog, index, truth, IndexWorkload.Queries(codes, bits, shape, 8, 24));
    }

    /// <summary>The primary StackExchange.Redis sends the shard's keys to.</summary>
    private EndPoint Owner(string topology, ShardKeys shard) => Connection(topology).GetServer(shard.Meta).EndPoint;

    /// <summary>CLIENT KILL of every connection named mth-buckets on every primary; how many there were.</summary>
    private async Task<int> KillBucketConnectionsAsync(string topology)
    {
        var killed = 0;
        foreach (var server in Connection(topology).GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            foreach (var client in await server.ClientListAsync())
            {
                if (client.Name == "mth-buckets")
                {
                    await server.ClientKillAsync(client.Id);
                    killed++;
                }
            }
        }

        return killed;
    }

    private sealed class RecordingSink : IArrayReplySink
    {
        public List<(int Shard, byte[] Entries)> Buckets { get; } = [];

        public List<int> Indexes { get; } = [];

        public void Element(int shard, int index, ReadOnlySpan<byte> value)
        {
            Buckets.Add((shard, value.ToArray()));
            Indexes.Add(index);
        }
    }
}
