using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// Files made ahead of need (spool slots, empty files), handed out one by one and made again on a
/// background task: once none was taken for <see cref="IdleFor"/>, or at once while fewer than a quarter
/// are left. Making files costs the disk and CPU that the instances being acknowledged could use, so
/// during a burst the pool covers, it waits; below a quarter it works at once, so that a long burst does
/// not run it dry. After a failure (a full disk, say) it tries again only once it runs low or is woken.
/// </summary>
internal sealed class ReadyFilePool : IAsyncDisposable
{
    /// <summary>How long no file must have been taken before the pool is topped up.</summary>
    public static readonly TimeSpan IdleFor = TimeSpan.FromMilliseconds(200);

    private readonly int _size;
    private readonly int _batch;
    private readonly Func<int, IReadOnlyList<string>> _make;
    private readonly string _what;
    private readonly IDicomNetworkLog _log;
    private readonly object _gate = new();
    private readonly Stack<string> _free;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _refiller;
    private long _lastTakenTicks;

    /// <param name="size">Files the pool holds when full.</param>
    /// <param name="ready">Files ready now (at most <paramref name="size"/>); the rest are made in the background.</param>
    /// <param name="batch">Files asked of <paramref name="make"/> at a time.</param>
    /// <param name="make">Makes that many files and returns their paths (all of them, or it throws having left none).</param>
    /// <param name="what">The files, for the error logged when making them fails.</param>
    public ReadyFilePool(int size, IEnumerable<string> ready, int batch, Func<int, IReadOnlyList<string>> make, string what, IDicomNetworkLog log)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        _size = size;
        _batch = batch;
        _make = make;
        _what = what;
        _log = log;
        _free = new Stack<string>(ready);
        _lastTakenTicks = Environment.TickCount64 - (long)IdleFor.TotalMilliseconds;
        _refiller = Task.Run(RefillAsync);
        if (_free.Count < size)
        {
            _wake.Release();
        }
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

    /// <summary>A ready file's path, the caller's from now on, or null when none is ready.</summary>
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
            // Below the low-water mark it works at once; the first take from a full pool starts its idle timer.
            _wake.Release();
        }

        return path;
    }

    /// <summary>Takes back a file handed out and left as it was made; false when the pool was filled meanwhile (the caller deletes it).</summary>
    public bool TryReturn(string path)
    {
        lock (_gate)
        {
            if (_free.Count >= _size)
            {
                return false;
            }

            _free.Push(path);
            return true;
        }
    }

    /// <summary>Looks at the pool now (a file handed out is gone for good).</summary>
    public void Wake() => _wake.Release();

    /// <summary>Stops making files and returns those still ready, for the owner to delete or keep.</summary>
    public async ValueTask<IReadOnlyList<string>> StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _refiller.ConfigureAwait(false);
        lock (_gate)
        {
            var left = _free.ToList();
            _free.Clear();
            return left;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _wake.Dispose();
    }

    private async Task RefillAsync()
    {
        var stopping = _stopping.Token;
        var onTimer = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // While the pool is not full it looks again every IdleFor, to top it up once takes stop; after a
                // failure only once it runs low or is woken, so that a full disk is not retried (and logged) for ever.
                if (await _wake.WaitAsync(onTimer && Count < _size ? IdleFor : Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false))
                {
                    onTimer = true;
                }

                while (_wake.Wait(0))
                {
                    // Takes while the last batch was made are counted below.
                }

                int missing;
                while (!stopping.IsCancellationRequested && (missing = _size - Count) > 0)
                {
                    var idleFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastTakenTicks));
                    if (idleFor < IdleFor && Count >= _size / 4)
                    {
                        break;
                    }

                    var made = _make(Math.Min(_batch, missing));
                    lock (_gate)
                    {
                        foreach (var path in made)
                        {
                            _free.Push(path);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Until then, instances that find the pool empty take the slower path.
                onTimer = false;
                _log.Write(DicomLogLevel.Error, $"{_what} could not be created: {ex.Message}", ex);
            }
        }
    }
}
