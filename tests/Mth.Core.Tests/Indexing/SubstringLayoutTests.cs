using Mth.Core.Codes;
using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Core.Tests.Indexing;

public sealed class SubstringLayoutTests
{
    [Theory]
    [InlineData(64, 1_000_000, 4)]
    [InlineData(64, 10_000_000, 4)]
    [InlineData(64, 100_000_000, 3)]
    [InlineData(64, 65_536, 6)]
    [InlineData(32, 1_000_000, 2)]
    [InlineData(128, 1_000_000, 9)]
    [InlineData(256, 1_000_000, 17)]
    [InlineData(16, 1_000_000, 1)]
    public void The_substring_count_is_bits_over_log2_n_minus_5_rounded(int bits, long n, int expected) =>
        Assert.Equal(expected, SubstringLayout.ForDatabase(bits, n).Count);

    [Fact]
    public void Tiny_and_huge_databases_stay_within_8_to_32_bit_substrings()
    {
        Assert.Equal(8, SubstringLayout.ForDatabase(64, 2).Count);
        Assert.Equal(8, SubstringLayout.ForDatabase(256, long.MaxValue).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => SubstringLayout.Create(64, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubstringLayout.Create(64, 9));
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(24, 2)]
    [InlineData(64, 3)]
    [InlineData(64, 5)]
    [InlineData(120, 4)]
    [InlineData(200, 13)]
    [InlineData(256, 8)]
    public void Substrings_tile_the_code_and_extract_the_same_bits_as_a_bit_by_bit_reading(int bits, int count)
    {
        var layout = SubstringLayout.Create(bits, count);
        Assert.Equal(bits, Enumerable.Range(0, count).Sum(layout.Length));
        Assert.True(Enumerable.Range(0, count).All(j => layout.Length(j) is >= 8 and <= 32));

        foreach (var code in SyntheticCodes.Uniform(bits, seed: bits * count).Take(50))
        {
            for (var j = 0; j < count; j++)
            {
                uint expected = 0;
                for (var b = layout.Start(j); b < layout.Start(j) + layout.Length(j); b++)
                {
                    expected = (expected << 1) | (code[b] ? 1u : 0u);
                }

                Assert.Equal(expected, layout.Extract(code.Words, j));
            }
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(8, 3)]
    [InlineData(16, 2)]
    [InlineData(13, 13)]
    [InlineData(32, 2)]
    public void The_ball_masks_are_every_distinct_mask_of_weight_r(int length, int radius)
    {
        var masks = HammingBall.Masks(length, radius);

        Assert.Equal(HammingBall.SphereSize(length, radius), masks.Count);
        Assert.Equal(masks.Count, masks.Distinct().Count());
        Assert.All(masks, m => Assert.Equal(radius, System.Numerics.BitOperations.PopCount(m)));
        Assert.All(masks, m => Assert.True(length == 32 || m < 1u << length));
    }

    [Fact]
    public void Sphere_sizes_are_binomial_coefficients()
    {
        Assert.Equal(1, HammingBall.SphereSize(16, 0));
        Assert.Equal(560, HammingBall.SphereSize(16, 3));
        Assert.Equal(601_080_390, HammingBall.SphereSize(32, 16));
        Assert.Equal(0, HammingBall.SphereSize(8, 9));
    }
}
