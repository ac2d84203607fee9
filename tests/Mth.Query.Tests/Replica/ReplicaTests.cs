using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Index.Redis;
using Mth.Index.Redis.Replication;
using Mth.Testing.Indexing;
using Mth.Testing.Redis;

namespace Mth.Query.Tests.Replica;

/// <summary>
/// The in-memory replica of a Redis version holds exactly what Redis holds once it has read the change feeds:
/// after loading, after writes made while it follows, after writes made while it loads, and after falling
/// further behind than the feeds keep.
/// </summary>
[Collection("redis")]
public sealed class ReplicaTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    private static readonly RedisIndexReplicaOptions FastFollow = new() { PollInterval = TimeSpan.FromMilliseconds(5) };

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task A_loaded_replica_answers_exactly_as_the_brute_force(string topology)
    {
        var index = await NewVersionAsync(topology);
        var codes = IndexWorkload.Codes(64, 3000, "clustered", 5);
        var truth = await IndexWorkload.LoadAsync(index, codes);

        await using var replica = await RedisIndexReplica.StartAsync(index, FastFollow);

        Assert.Equal(truth.Count, await replica.CountAsync());
        foreach (var query in IndexWorkload.Queries(codes, 64, "clustered", 12, 5))
        {
            foreach (var k in new[] { 1, 10, 100 })
            {
                IndexWorkload.AssertSame(truth.Nearest(query, k), await replica.SearchNearestAsync(query, k), $"{topology} top-{k}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Inserts_updates_and_deletes_after_loading_reach_the_replica(string topology)
    {
        var index = await NewVersionAsync(topology);
        var codes = IndexWorkload.Codes(64, 500, "uniform", 6);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        await using var replica = await RedisIndexReplica.StartAsync(index, FastFollow);

        var fresh = SyntheticCodes.Uniform(64, 99).Take(50);
        for (var i = 0; i < 50; i++)
        {
            await index.UpsertAsync(IndexWorkload.Id(1000 + i), fresh[i]);
            truth.Upsert(IndexWorkload.Id(1000 + i), fresh[i]);
            await index.UpsertAsync(IndexWorkload.Id(i), fresh[49 - i]);
            truth.Upsert(IndexWorkload.Id(i), fresh[49 - i]);
            await index.DeleteAsync(IndexWorkload.Id(100 + i));
            truth.Delete(IndexWorkload.Id(100 + i));
        }

        await WaitUntilAsync(async () => await SameStateAsync(replica, truth), TimeSpan.FromSeconds(10));
        Assert.True(replica.ChangesApplied >= 150);
        Assert.Equal(0, replica.Reloads);
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Writes_made_while_the_replica_loads_are_not_lost(string topology)
    {
        var index = await NewVersionAsync(topology);
        var codes = IndexWorkload.Codes(64, 4000, "clustered", 7);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        var pool = SyntheticCodes.Clustered(64, 8).Take(64);

        using var stop = new CancellationTokenSource();
        var random = new Random(3);
        var writer = Task.Run(async () =>
        {
            var operations = 0;
            while (!stop.IsCancellationRequested || operations < 300)
            {
                var id = IndexWorkload.Id(random.Next(4500));
                if (random.Next(4) == 0)
                {
                    await index.DeleteAsync(id);
                    lock (truth)
                    {
                        truth.Delete(id);
                    }
                }
                else
                {
                    var code = pool[random.Next(pool.Length)];
                    await index.UpsertAsync(id, code);
                    lock (truth)
                    {
                        truth.Upsert(id, code);
                    }
                }

                operations++;
            }
        });

        await using var replica = await RedisIndexReplica.StartAsync(index, FastFollow);
        await stop.CancelAsync();
        await writer;
        await replica.CatchUpAsync();

        Assert.True(await SameStateAsync(replica, truth), "the replica's items differ from what was written");
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task A_replica_that_fell_further_behind_than_the_feed_keeps_loads_the_version_again(string topology)
    {
        var index = await NewVersionAsync(topology, new RedisIndexOptions { ChangeFeedLength = 10 });
        var codes = IndexWorkload.Codes(64, 300, "uniform", 9);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        // A long pause between reads: the replica reads the feeds only when told to.
        await using var replica = await RedisIndexReplica.StartAsync(index, new RedisIndexReplicaOptions { PollInterval = TimeSpan.FromMinutes(1) });

        // Far more changes per shard than the trimmed feed keeps (Redis trims whole nodes of 100 entries).
        var fresh = SyntheticCodes.Uniform(64, 10).Take(1500);
        await index.UpsertManyAsync(fresh.Select((c, i) => new IndexEntry(IndexWorkload.Id(5000 + i), c)).ToList());
        for (var i = 0; i < fresh.Length; i++)
        {
            truth.Upsert(IndexWorkload.Id(5000 + i), fresh[i]);
        }

        await replica.CatchUpAsync();

        Assert.True(replica.Reloads >= 1, "the gap in the feed was not noticed");
        Assert.True(await SameStateAsync(replica, truth));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task A_dropped_version_leaves_the_replica_answering_from_its_last_state(string topology)
    {
        var catalog = Catalog(topology, out _);
        var index = (RedisHammingIndex)await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64) { ExpectedItems = 1000 });
        await catalog.CreateVersionAsync("v2", new IndexVersionOptions(64));
        await catalog.TrySetActiveVersionAsync(null, "v2");
        var codes = IndexWorkload.Codes(64, 200, "uniform", 11);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        await using var replica = await RedisIndexReplica.StartAsync(index, FastFollow);

        await catalog.DropVersionAsync("v1");
        await WaitUntilAsync(() => Task.FromResult(!replica.SourceAvailable), TimeSpan.FromSeconds(10));

        IndexWorkload.AssertSame(truth.Nearest(codes[0], 5), await replica.SearchNearestAsync(codes[0], 5), "after the drop");
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Every_change_of_a_shard_is_in_its_feed_numbered_without_gaps(string topology)
    {
        var index = await NewVersionAsync(topology);
        var codes = IndexWorkload.Codes(64, 120, "uniform", 12);
        await IndexWorkload.LoadAsync(index, codes);
        await index.UpsertAsync(IndexWorkload.Id(0), codes[1]);
        await index.UpsertAsync(IndexWorkload.Id(0), codes[1]);
        await index.DeleteAsync(IndexWorkload.Id(1));
        await index.DeleteAsync(IndexWorkload.Id(1));

        var database = Connection(topology).GetDatabase();
        var total = 0;
        foreach (var tag in index.ShardTags)
        {
            var entries = await database.StreamRangeAsync(tag + ":feed");
            var numbers = entries.Select(e => (long)e["s"]).ToList();
            Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => (long)n), numbers);
            Assert.Equal(numbers.Count, (long)await database.HashGetAsync(tag + ":meta", "seq"));
            total += entries.Length;
        }

        // 120 inserts, one update (the repeated upsert changes nothing), one delete (the second finds nothing).
        Assert.Equal(122, total);
    }

    private async Task<RedisHammingIndex> NewVersionAsync(string topology, RedisIndexOptions? options = null) =>
        (RedisHammingIndex)await Catalog(topology, out _, options).CreateVersionAsync("v1", new IndexVersionOptions(64) { ExpectedItems = 5000 });

    private static async Task<bool> SameStateAsync(RedisIndexReplica replica, BruteForce truth)
    {
        Dictionary<string, BinaryCode> expected;
        lock (truth)
        {
            expected = truth.Items.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        }

        if (await replica.CountAsync() != expected.Count)
        {
            return false;
        }

        foreach (var (id, code) in expected)
        {
            if (!Equals(await replica.GetCodeAsync(id), code))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {timeout.TotalSeconds} s");
            await Task.Delay(20);
        }
    }
}
