using Mth.Dicom.Network;
using Mth.Dicom.Network.Storage.Journal;
using static Mth.Dicom.Tests.Network.Storage.DirectStores;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>
/// When the spool and the empty-file pool make new files: topped up once takes stop for a moment, at
/// once while fewer than a quarter are left (so a long burst does not run the pool dry), after a failure
/// not again until woken; a file given back never grows the pool past its size.
/// </summary>
public sealed class ReadyFilePoolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_pool_taken_from_is_topped_up_once_no_file_was_taken_for_a_moment()
    {
        var files = new FakeFiles();
        await using var pool = files.Pool(8);

        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(pool.TryTake());
        }

        await WaitUntilAsync(() => pool.Count == 8, "Topping up");
    }

    [Fact]
    public async Task While_takes_go_on_a_pool_below_a_quarter_is_refilled_at_once()
    {
        var files = new FakeFiles();
        await using var pool = files.Pool(40);
        for (var i = 0; i < 35; i++)
        {
            Assert.NotNull(pool.TryTake());
        }

        // Takes keep coming faster than the idle delay, yet the pool climbs back to a quarter.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (pool.Count < 10)
        {
            Assert.True(waited.Elapsed < Patience, $"{pool.Count} files left while takes went on.");
            await Task.Delay(10);
            if (pool.Count > 1)
            {
                pool.TryTake();
            }
        }
    }

    [Fact]
    public async Task After_a_failure_it_tries_again_only_when_woken()
    {
        var files = new FakeFiles();
        var log = new RecordingLog();
        await using var pool = files.Pool(8, log);
        files.Failing = true;

        Assert.NotNull(pool.TryTake());
        await WaitUntilAsync(() => files.Attempts == 1, "The first attempt");
        await Task.Delay(ReadyFilePool.IdleFor * 4);
        Assert.Equal(1, files.Attempts);
        Assert.Single(log.Entries, e => e.Level == DicomLogLevel.Error && e.Message.Contains("Test files could not be created", StringComparison.Ordinal));

        files.Failing = false;
        pool.Wake();

        await WaitUntilAsync(() => pool.Count == 8, "Refilling");
    }

    [Fact]
    public async Task A_file_given_back_to_a_pool_filled_meanwhile_is_refused()
    {
        var files = new FakeFiles();
        await using var pool = files.Pool(4);
        var taken = pool.TryTake()!;
        Assert.True(pool.TryReturn(taken));

        taken = pool.TryTake()!;
        await WaitUntilAsync(() => pool.Count == 4, "Topping up");

        Assert.False(pool.TryReturn(taken));
        Assert.Equal(4, pool.Count);
    }

    [Fact]
    public async Task Stopping_hands_back_the_files_still_ready()
    {
        var files = new FakeFiles();
        var pool = files.Pool(4);
        var taken = pool.TryTake();

        var left = await pool.StopAsync();
        await pool.DisposeAsync();

        Assert.Equal(3, left.Count);
        Assert.DoesNotContain(taken, left);
    }

    /// <summary>Names standing for made files, the first pool's worth ready at the start.</summary>
    private sealed class FakeFiles
    {
        private int _made;
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public bool Failing { get; set; }

        public ReadyFilePool Pool(int size, IDicomNetworkLog? log = null) =>
            new(size, Make(size), 4, count => { Interlocked.Increment(ref _attempts); return Make(count); }, "Test files", log ?? NullDicomNetworkLog.Instance);

        private List<string> Make(int count)
        {
            if (Failing)
            {
                throw new IOException("No space left on device.");
            }

            return Enumerable.Range(0, count).Select(_ => $"file-{Interlocked.Increment(ref _made)}").ToList();
        }
    }
}
