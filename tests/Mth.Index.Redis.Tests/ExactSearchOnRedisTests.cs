using Mth.Core.Indexing;
using Mth.Testing.Indexing;
using Mth.Testing.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>Redis MIH answers exactly as the brute force, on one node and on the cluster.</summary>
[Collection("redis")]
public sealed class ExactSearchOnRedisTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    public static TheoryData<string, int, int, string, int?> Workloads()
    {
        var data = new TheoryData<string, int, int, string, int?>();
        foreach (var topology in new[] { "single", "cluster" })
        {
            data.Add(topology, 64, 3000, "uniform", null);
            data.Add(topology, 64, 3000, "clustered", null);
            data.Add(topology, 64, 1500, "duplicates", null);
            data.Add(topology, 16, 800, "clustered", null);
            data.Add(topology, 48, 1000, "uniform", 3);
            data.Add(topology, 128, 1000, "clustered", null);
            data.Add(topology, 256, 400, "uniform", null);
            data.Add(topology, 32, 5, "uniform", null);
            data.Add(topology, 64, 0, "uniform", null);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public async Task Top_k_and_radius_answers_equal_the_brute_force_before_and_after_updates_and_deletes(string topology, int bits, int size, string shape, int? shards)
    {
        var seed = HashCode.Combine(topology, bits, size, shape) & 0xFFFF;
        var index = await NewVersionAsync(topology, new IndexVersionOptions(bits) { ExpectedItems = Math.Max(size, 2) },
            new RedisIndexOptions { ShardsPerVersion = shards, UpsertBatchSize = 37 });
        var codes = IndexWorkload.Codes(bits, size, shape, seed);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        int[] ks = [1, 3, 10, 50, size + 2];
        int[] radii = [0, 2, bits / 8, bits];
        var queries = IndexWorkload.Queries(codes, bits, shape, 6, seed);
        var context = $"{topology} {bits} bits {size} {shape}";

        await IndexWorkload.CheckSearchesAsync(index, truth, queries, ks, radii, context);

        var pool = IndexWorkload.Codes(bits, 32, shape, seed + 1).Concat(codes.Take(8)).ToArray();
        await IndexWorkload.MutateAsync(index, truth, pool, operations: Math.Min(120, size + 20), seed);
        await IndexWorkload.CheckSearchesAsync(index, truth, queries, ks, radii, context + " after changes");
    }

    public static TheoryData<string, string, int, bool> RoundBudgets()
    {
        var data = new TheoryData<string, string, int, bool>();
        foreach (var topology in new[] { "single", "cluster" })
        {
            // One step per round trip (the most re-planning), and a budget that reads everything at once; 3 keys per MGET.
            data.Add(topology, "uniform", 1, true);
            data.Add(topology, "clustered", 1, false);
            data.Add(topology, "clustered", int.MaxValue, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoundBudgets))]
    public async Task Answers_stay_exact_whatever_each_round_trip_may_read(string topology, string shape, int roundCostBytes, bool firstRoundRadiusZero)
    {
        const int bits = 64, size = 2000;
        var seed = HashCode.Combine(topology, shape, roundCostBytes) & 0xFFFF;
        var index = await NewVersionAsync(topology, new IndexVersionOptions(bits) { ExpectedItems = size },
            new RedisIndexOptions { RoundCostBytes = roundCostBytes, FirstRoundRadiusZero = firstRoundRadiusZero, KeysPerCommand = 3, CollectSearchStatistics = true });
        var codes = IndexWorkload.Codes(bits, size, shape, seed);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        var queries = IndexWorkload.Queries(codes, bits, shape, 6, seed);

        await IndexWorkload.CheckSearchesAsync(index, truth, queries, [1, 10, 50], [0, 8], $"{topology} {shape} budget {roundCostBytes}");

        var profile = ((RedisHammingIndex)index).Statistics!.Profile();
        Assert.True(profile.Searches > 0 && profile.Keys > 0, profile.ToString());
        if (roundCostBytes == 1)
        {
            Assert.True(profile.RoundTrips > 2, $"one step per round trip should take several: {profile}");
        }
    }

    [Theory]
    [InlineData("single")]
    [InlineData("cluster")]
    public async Task Once_recent_searches_show_neighbours_are_far_the_first_round_trip_reads_further(string topology)
    {
        const int bits = 64, size = 3000, k = 10;
        var index = await NewVersionAsync(topology, new IndexVersionOptions(bits) { ExpectedItems = size },
            new RedisIndexOptions { CollectSearchStatistics = true });
        var codes = IndexWorkload.Codes(bits, size, "uniform", 7);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        var queries = IndexWorkload.Codes(bits, 2 * RecentKthDistances.MinSamples, "uniform", 8);
        var statistics = ((RedisHammingIndex)index).Statistics!;

        await IndexWorkload.CheckSearchesAsync(index, truth, queries[..RecentKthDistances.MinSamples], [k], [], $"{topology} without history");
        var without = statistics.Profile();
        statistics.Reset();
        await IndexWorkload.CheckSearchesAsync(index, truth, queries[RecentKthDistances.MinSamples..], [k], [], $"{topology} with history");
        var with = statistics.Profile();

        Assert.True(with.RoundTrips < without.RoundTrips, $"without history: {without}; with: {with}");
    }
}
