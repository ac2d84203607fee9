using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// Empty files created ahead of need in <c>ROOT/.blanks</c>, for the files of journaled instances. Creating a file (an inode and a directory entry) can cost more than writing a small
/// instance and flushing its journal record together: 0.27–0.37 ms against 0.25 ms on the
/// benchmark VM's ext4 (docs/benchmarks.md, DICOM), and on one association the peer waits for it.
/// A file taken from the pool is only opened, written and renamed. Files taken are created again in
/// the background once none was taken for a moment, or at once while fewer than a quarter are left;
/// an empty pool only means the file is created inline, as without it. The files are never data: those left by an
/// earlier run are deleted at start, the rest at dispose.
/// </summary>
internal sealed class EmptyFilePool : IAsyncDisposable
{
    public const string FolderName = ".blanks";
    private const string Suffix = ".blank";
    private const int RefillBatch = 16;

    /// <summary>Files are created again once none was taken for this long, or at once when fewer than a quarter are left.</summary>
    private static readonly TimeSpan RefillWhenIdleFor = TimeSpan.FromMilliseconds(200);

    private readonly string _folder;
    private readonly int _size;
    private readonly IDicomNetworkLog _log;
    private readonly object _gate = new();
    private readonly Stack<string> _free = new();
    private readonly SemaphoreSlim _refillWake = new(1, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _refiller;
    private long _lastTakenTicks;

    /// <summary>
    /// Starts filling the pool in the background: <paramref name="size"/> files in <paramref name="folder"/>
    /// (created if needed), which must be on the file system of the files' destination (they are renamed there).
    /// </summary>
    public EmptyFilePool(string folder, int size, IDicomNetworkLog log)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Directory.CreateDirectory(folder);
        foreach (var leftover in Directory.EnumerateFiles(folder, "*" + Suffix))
        {
            PartialInstanceFile.TryDelete(leftover, log);
        }

        _folder = folder;
        _size = size;
        _log = log;
        _lastTakenTicks = Environment.TickCount64 - (long)RefillWhenIdleFor.TotalMilliseconds;
        _refiller = Task.Run(RunRefillerAsync);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>The path of an empty file that is the caller's from now on (to rename or delete), or null when none is ready.</summary>
    public string? TryTake()
    {
        string path;
        int left;
        lock (_gate)
        {
            if (!_free.TryPop(out path!))
            {
                return null;
            }

            left = _free.Count;
        }

        Volatile.Write(ref _lastTakenTicks, Environment.TickCount64);
        if (left < _size / 4 || left == _size - 1)
        {
            // Below the low-water mark the refiller works at once; the first take from a full pool starts its idle timer.
            _refillWake.Release();
        }

        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _refiller.ConfigureAwait(false);
        lock (_gate)
        {
            while (_free.TryPop(out var path))
            {
                PartialInstanceFile.TryDelete(path, _log);
            }
        }

        _stopping.Dispose();
        _refillWake.Dispose();
    }

    private async Task RunRefillerAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Woken by a take below the low-water mark, or by the first take from a full pool and then
                // every RefillWhenIdleFor until the pool is full again.
                await _refillWake.WaitAsync(Count < _size ? RefillWhenIdleFor : Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
                while (_refillWake.Wait(0))
                {
                    // Takes while the last batch was created are counted below.
                }

                // Creating a file costs CPU and disk that the instances being acknowledged could use: while they
                // arrive and the pool still covers them, it waits; below a quarter it creates at once.
                int missing;
                while (!stopping.IsCancellationRequested && (missing = _size - Count) > 0)
                {
                    var idleFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastTakenTicks));
                    if (idleFor < RefillWhenIdleFor && Count >= _size / 4)
                    {
                        break;
                    }

                    Create(Math.Min(RefillBatch, missing));
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Until the next file is taken, instances' files are created inline.
                _log.Write(DicomLogLevel.Error, "Empty files for incoming instances could not be created: " + ex.Message, ex);
            }
        }
    }

    private void Create(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + Suffix);
            File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None).Dispose();
            lock (_gate)
            {
                _free.Push(path);
            }
        }
    }
}
