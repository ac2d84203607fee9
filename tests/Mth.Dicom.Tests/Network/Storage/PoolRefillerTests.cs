using Mth.Dicom.Network;
using Mth.Dicom.Network.Storage.Journal;

using static Mth.Dicom.Tests.Network.Storage.DirectStores;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>
/// When the spool and the empty-file pool make new files: topped up once takes stop for a moment, at
/// once while fewer than a quarter are left (so a long burst does not run the pool dry), and after a
/// failure not again until the pool runs low or is woken.
/// </summary>
public sealed class PoolRefillerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_pool_taken_from_is_topped_up_once_no_file_was_taken_for_a_moment()
    {
        var pool = new FakePool(8);
        await using var refiller = pool.Refiller();

        pool.Take(refiller, 3);

        await WaitUntilAsync(() => pool.Count == 8, "Refilling");
    }

    [Fact]
    public async Task While_takes_go_on_a_pool_below_a_quarter_is_refilled_at_once()
    {
        var pool = new FakePool(40);
        await using var refiller = pool.Refiller();

        pool.Take(refiller, 35);

        // Takes keep coming faster than the idle delay, yet the pool climbs back to a quarter.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (pool.Count < 10)
        {
            Assert.True(waited.Elapsed < Patience, $"{pool.Count} files left while takes went on.");
            await Task.Delay(10);
            if (pool.Count > 1)
            {
                pool.Take(refiller, 1);
            }
        }
    }

    [Fact]
    public async Task After_a_failure_it_tries_again_only_when_woken()
    {
        var pool = new FakePool(8) { Failing = true };
        var log = new RecordingLog();
        await using var refiller = pool.Refiller(log);

        pool.Take(refiller, 1);
        await WaitUntilAsync(() => pool.Attempts == 1, "The first attempt");
        await Task.Delay(PoolRefiller.IdleFor * 4);
        Assert.Equal(1, pool.Attempts);
        Assert.Single(log.Entries, e => e.Level == DicomLogLevel.Error && e.Message.Contains("Test files could not be created", StringComparison.Ordinal));

        pool.Failing = false;
        refiller.Wake();

        await WaitUntilAsync(() => pool.Count == 8, "Refilling");
    }

    /// <summary>A pool of counted (not real) files, full at first.</summary>
    private sealed class FakePool(int size)
    {
        private readonly int _size = size;
        private int _count = size;
        private int _attempts;

        public int Count => Volatile.Read(ref _count);

        public int Attempts => Volatile.Read(ref _attempts);

        public bool Failing { get; set; }

        public PoolRefiller Refiller(IDicomNetworkLog? log = null) => new(_size, 4, () => Count, Create, "Test files", log ?? NullDicomNetworkLog.Instance);

        public void Take(PoolRefiller refiller, int files)
        {
            for (var i = 0; i < files; i++)
            {
                refiller.Taken(Interlocked.Decrement(ref _count));
            }
        }

        private void Create(int files)
        {
            Interlocked.Increment(ref _attempts);
            if (Failing)
            {
                throw new IOException("No space left on device.");
            }

            Interlocked.Add(ref _count, files);
        }
    }
}
