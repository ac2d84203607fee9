using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Index.Redis.Tests;

/// <summary>The substring count of a Redis version comes from the cost of keys and bytes, not from the in-memory rule.</summary>
public sealed class RedisProbeCostModelTests
{
    [Theory]
    [InlineData(64, 1_000_000, 5)]   // measured best on loopback (docs/benchmarks.md); the in-memory rule gives 4
    [InlineData(64, 333_333, 6)]     // one shard of 1M on a 3-master cluster
    [InlineData(64, 10_000_000, 4)]
    [InlineData(32, 1_000_000, 3)]
    [InlineData(128, 1_000_000, 10)]
    public void Substring_count_minimises_keys_plus_bytes(int bits, long items, int expected)
    {
        Assert.Equal(expected, RedisProbeCostModel.ChooseLayout(bits, items, keyCostBytes: 1300).Count);
    }

    [Fact]
    public void Free_keys_favour_the_longest_substrings_and_dear_keys_the_shortest()
    {
        Assert.Equal(SubstringLayout.CountRange(64).Min, RedisProbeCostModel.ChooseLayout(64, 1_000_000, keyCostBytes: 0).Count);
        Assert.Equal(SubstringLayout.CountRange(64).Max, RedisProbeCostModel.ChooseLayout(64, 1_000_000, keyCostBytes: 100_000_000).Count);
    }

    [Theory]
    [InlineData(64, 1_000_000, 10)]
    [InlineData(32, 1000, 1)]
    [InlineData(256, 10_000_000, 50)]
    public void Expected_kth_distance_is_where_the_binomial_count_first_reaches_k(int bits, long n, int k)
    {
        var d = RedisProbeCostModel.ExpectedKthDistance(bits, n, k);
        Assert.True(Within(bits, n, d) >= k);
        Assert.True(d == 0 || Within(bits, n, d - 1) < k);
    }

    private static double Within(int bits, long n, int d)
    {
        // The binomial sum written out: C(b, i) by the multiplicative formula.
        var total = 0.0;
        for (var i = 0; i <= d; i++)
        {
            var c = 1.0;
            for (var j = 1; j <= i; j++)
            {
                c = c * (bits - i + j) / j;
            }

            total += c;
        }

        return total * n / Math.Pow(2, bits);
    }
}
