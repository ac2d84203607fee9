using Mth.Encoder.Reencoding;

namespace Mth.Standalone.Tests;

public sealed class ReindexProgressTests
{
    private static ReencodingJob Job(long total, long encoded, bool planComplete) => new()
    {
        JobId = "j",
        Target = "mth-brain-48b-s64-v2",
        Total = total,
        Encoded = encoded,
        PlanComplete = planComplete,
    };

    [Fact]
    public void A_progress_line_gives_count_share_rate_and_time_left()
    {
        var rate = new RateMeter();
        rate.Add(TimeSpan.Zero, 0);
        rate.Add(TimeSpan.FromSeconds(4), 400);
        Assert.Equal(
            "reindex mth-brain-48b-s64-v2: 400/1000 instances (40.0%), 100.0/s, ETA 00:00:06 (0 failed)",
            ReindexCommand.Progress(Job(1000, 400, planComplete: true), rate));
    }

    [Fact]
    public void While_the_store_is_still_being_listed_the_total_is_open_and_no_time_left_is_claimed()
    {
        var rate = new RateMeter();
        rate.Add(TimeSpan.Zero, 0);
        rate.Add(TimeSpan.FromSeconds(1), 50);
        Assert.Equal(
            "reindex mth-brain-48b-s64-v2: 50/2048+ (listing) instances, 50.0/s, ETA --:--:-- (0 failed)",
            ReindexCommand.Progress(Job(2048, 50, planComplete: false), rate));
    }

    [Fact]
    public void The_rate_follows_the_last_ten_seconds()
    {
        var rate = new RateMeter();
        rate.Add(TimeSpan.Zero, 0);
        rate.Add(TimeSpan.FromSeconds(5), 5000);
        for (var s = 6; s <= 30; s++)
        {
            rate.Add(TimeSpan.FromSeconds(s), 5000 + (s - 5) * 10);
        }

        Assert.InRange(rate.PerSecond, 9.9, 10.1);
    }
}
