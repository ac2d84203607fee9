namespace Mth.Index.Redis.Tests;

/// <summary>How far a search's first round trip reads comes from the k-th distances of recent searches with the same k.</summary>
public sealed class RecentKthDistancesTests
{
    [Fact]
    public void Nothing_is_known_until_enough_searches_with_that_k_ended()
    {
        var recent = new RecentKthDistances();
        for (var i = 0; i < RecentKthDistances.MinSamples - 1; i++)
        {
            recent.Add(10, 15);
            recent.Add(50, 20);
        }

        Assert.Null(recent.LowDecile(10));
        recent.Add(10, 15);
        Assert.Equal(15, recent.LowDecile(10));
        Assert.Null(recent.LowDecile(3));
    }

    [Fact]
    public void The_low_decile_ignores_the_few_searches_that_ended_closest()
    {
        var recent = new RecentKthDistances();
        for (var i = 0; i < 20; i++)
        {
            recent.Add(10, i == 0 ? 0 : 16 + i % 3);
        }

        Assert.Equal(16, recent.LowDecile(10));
    }

    [Fact]
    public void Only_the_latest_searches_count()
    {
        var recent = new RecentKthDistances();
        for (var i = 0; i < RecentKthDistances.Capacity; i++)
        {
            recent.Add(10, 30);
        }

        for (var i = 0; i < RecentKthDistances.Capacity; i++)
        {
            recent.Add(10, 4);
        }

        Assert.Equal(4, recent.LowDecile(10));
    }
}
