using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Testing.Indexing;
using Mth.Testing.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>Writes are atomic per item and idempotent, also with several writers at once.</summary>
[Collection("redis")]
public sealed class ItemWriteTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Repeating_an_upsert_or_a_delete_changes_nothing(string topology)
    {
        var index = await NewVersionAsync(topology, new IndexVersionOptions(64));
        var code = BinaryCode.FromHex("0123456789abcdef");

        Assert.Equal(UpsertOutcome.Inserted, await index.UpsertAsync("1.2.3", code));
        Assert.Equal(UpsertOutcome.Unchanged, await index.UpsertAsync("1.2.3", code));
        Assert.Equal(new UpsertSummary(0, 0, 2), await index.UpsertManyAsync([new IndexEntry("1.2.3", code), new IndexEntry("1.2.3", code)]));
        Assert.Equal(1, await index.CountAsync());
        Assert.True(await index.DeleteAsync("1.2.3"));
        Assert.False(await index.DeleteAsync("1.2.3"));
        Assert.Equal(0, await index.CountAsync());
        Assert.Empty(await index.SearchRadiusAsync(code, 64));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Redelivered_batches_from_several_writers_store_each_item_once(string topology)
    {
        var catalog = Catalog(topology, out _);
        await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64) { ExpectedItems = 2000 });
        var codes = SyntheticCodes.Clustered(64, 11).Take(2000);
        var entries = codes.Select((c, i) => new IndexEntry(IndexWorkload.Id(i), c)).ToList();

        // Four "encoder processes" (own catalog objects on the same connection) deliver overlapping halves twice.
        var writers = Enumerable.Range(0, 4).Select(async w =>
        {
            var index = (await new RedisIndexCatalog(Connection(topology), catalog.Options).OpenVersionAsync("v1"))!;
            var part = entries.Where((_, i) => i % 2 == w % 2).ToList();
            await index.UpsertManyAsync(part);
            await index.UpsertManyAsync(part);
        });
        await Task.WhenAll(writers);

        var check = (await catalog.OpenVersionAsync("v1"))!;
        Assert.Equal(2000, await check.CountAsync());
        var truth = new BruteForce();
        entries.ForEach(e => truth.Upsert(e.Id, e.Code));
        await IndexWorkload.CheckSearchesAsync(check, truth, codes.Take(5).ToArray(), [1, 10, 100], [0, 8], $"{topology} after concurrent writers");
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Racing_updates_of_one_item_leave_exactly_one_code_in_every_table(string topology)
    {
        var index = await NewVersionAsync(topology, new IndexVersionOptions(64) { ExpectedItems = 100 });
        var candidates = SyntheticCodes.Uniform(64, 12).Take(8);
        await index.UpsertAsync("1.2.840.1", candidates[0]);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => index.UpsertAsync("1.2.840.1", candidates[i % candidates.Length]).AsTask()));

        var stored = (await index.GetCodeAsync("1.2.840.1"))!;
        Assert.Contains(stored, candidates);
        Assert.Equal(1, await index.CountAsync());
        Assert.Equal([new Neighbor("1.2.840.1", 0)], await index.SearchNearestAsync(stored, 5));
        foreach (var other in candidates.Where(c => !c.Equals(stored)))
        {
            // No stale bucket entry answers for a code the item no longer has.
            Assert.Equal(other.DistanceTo(stored), (await index.SearchRadiusAsync(other, 64)).Single().Distance);
        }
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Bad_input_is_refused_before_it_reaches_redis(string topology)
    {
        var index = await NewVersionAsync(topology, new IndexVersionOptions(64));

        await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync("1.2.3", BinaryCode.FromHex("0102")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync("1.2.3 ", BinaryCode.FromHex("0102030405060708")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertManyAsync([new IndexEntry("ok.1", BinaryCode.FromHex("0102030405060708")), new IndexEntry("{bad}\n", BinaryCode.FromHex("0102030405060708"))]).AsTask());

        Assert.Equal(0, await index.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Writes_and_searches_survive_the_server_forgetting_its_scripts(string topology)
    {
        var index = await NewVersionAsync(topology, new IndexVersionOptions(64));
        await index.UpsertAsync("1.2.3", BinaryCode.FromHex("0102030405060708"));
        foreach (var server in Connection(topology).GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await server.ExecuteAsync("SCRIPT", "FLUSH");
        }

        Assert.Equal(UpsertOutcome.Updated, await index.UpsertAsync("1.2.3", BinaryCode.FromHex("0102030405060709")));
        Assert.Equal("1.2.3", (await index.SearchNearestAsync(BinaryCode.FromHex("0102030405060709"), 1))[0].Id);
    }
}
