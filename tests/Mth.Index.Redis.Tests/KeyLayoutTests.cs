using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>Hash tags are chosen so that a shard is one slot and the shards of a version spread over the primaries.</summary>
[Collection("redis")]
public sealed class KeyLayoutTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    [Fact]
    public async Task Our_slot_function_agrees_with_the_cluster()
    {
        var server = ClusterConnection.GetServers().First(s => s.IsConnected);
        foreach (var key in new[] { "plain", "{mth:catalog}:active", "{mth:v1:0.3}:t2:ff", "a{}b", "{}{x}", "{user1000}.following", "x{y" })
        {
            var slot = (int)await server.ExecuteAsync("CLUSTER", "KEYSLOT", key);
            Assert.Equal(slot, HashSlot.Of(key));
        }
    }

    [Fact]
    public async Task The_shards_of_a_version_land_on_different_primaries_of_a_three_master_cluster()
    {
        var catalog = Catalog("cluster", out _);
        var index = (RedisHammingIndex)await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));

        Assert.Equal(3, index.ShardCount);
        var owners = index.ShardTags.Select(tag => ClusterConnection.GetServer(ClusterConnection.GetDatabase().IdentifyEndpoint((RedisKey)(tag + ":meta"))!)).ToList();
        Assert.Equal(3, owners.Select(o => o.EndPoint.ToString()).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Every_key_of_a_shard_shares_its_slot(string topology)
    {
        var catalog = Catalog(topology, out var prefix);
        var index = (RedisHammingIndex)await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64) { ExpectedItems = 1000 });
        await index.UpsertManyAsync(SyntheticCodes.Uniform(64, 2).Take(200).Select((c, i) => new IndexEntry($"9.{i}", c)).ToList());

        var keys = await KeysAsync(topology, prefix + ":v1:");
        Assert.NotEmpty(keys);
        var slotsPerTag = keys.GroupBy(k => k[..(k.IndexOf('}') + 1)]).ToDictionary(g => g.Key, g => g.Select(HashSlot.Of).Distinct().Count());
        Assert.Equal(index.ShardCount, slotsPerTag.Count);
        Assert.All(slotsPerTag.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public void Shard_tags_sit_in_the_middle_of_their_share_of_the_slot_space()
    {
        var layout = new RedisKeyLayout("mth");
        for (var shards = 1; shards <= 16; shards++)
        {
            for (var s = 0; s < shards; s++)
            {
                var slot = HashSlot.Of(layout.ShardTag("model-7", s, shards));
                var width = 16384.0 / shards;
                Assert.InRange(slot, s * width + width / 4 - 1, (s + 1) * width - width / 4 + 1);
            }
        }
    }

    [Theory]
    [InlineData(0u, "0")]
    [InlineData(10u, "a")]
    [InlineData(0x1a3fu, "1a3f")]
    [InlineData(0xffffffffu, "ffffffff")]
    public void Bucket_keys_are_the_shard_tag_the_table_and_the_value_in_lowercase_hex(uint value, string hex)
    {
        var shard = new RedisKeyLayout("mth").Shard("v1", 0, 1);

        Assert.Equal($"{shard.Tag}:t3:{hex}", shard.Bucket(3, value).ToString());
    }

    [Fact]
    public void An_id_always_maps_to_the_same_shard() =>
        Assert.Equal(RedisKeyLayout.ShardOf("1.2.840.10008.1", 3), RedisKeyLayout.ShardOf(new string("1.2.840.10008.1".ToCharArray()), 3));

}
