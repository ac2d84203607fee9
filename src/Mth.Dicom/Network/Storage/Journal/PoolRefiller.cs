using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// Refills a pool of files made ahead of need (spool slots, empty files) on a background task: once
/// none was taken for <see cref="IdleFor"/>, or at once while fewer than a quarter are left. Making
/// files costs the disk and CPU that the instances being acknowledged could use, so during a burst the
/// pool covers, it waits; below a quarter it works at once, so that a long burst does not run it dry.
/// </summary>
internal sealed class PoolRefiller : IAsyncDisposable
{
    /// <summary>How long no file must have been taken before the pool is topped up.</summary>
    public static readonly TimeSpan IdleFor = TimeSpan.FromMilliseconds(200);

    private readonly int _size;
    private readonly int _batch;
    private readonly Func<int> _count;
    private readonly Action<int> _create;
    private readonly string _what;
    private readonly IDicomNetworkLog _log;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _refiller;
    private long _lastTakenTicks;

    /// <param name="size">Files the pool holds when full.</param>
    /// <param name="batch">Files made by one call of <paramref name="create"/>.</param>
    /// <param name="count">Files in the pool now.</param>
    /// <param name="create">Makes that many files and adds them to the pool.</param>
    /// <param name="what">The files, for the error logged when making them fails.</param>
    public PoolRefiller(int size, int batch, Func<int> count, Action<int> create, string what, IDicomNetworkLog log)
    {
        _size = size;
        _batch = batch;
        _count = count;
        _create = create;
        _what = what;
        _log = log;
        _lastTakenTicks = Environment.TickCount64 - (long)IdleFor.TotalMilliseconds;
        _refiller = Task.Run(RunAsync);
    }

    /// <summary>A file was taken; <paramref name="left"/> are left.</summary>
    public void Taken(int left)
    {
        Volatile.Write(ref _lastTakenTicks, Environment.TickCount64);
        if (left < _size / 4 || left == _size - 1)
        {
            // Below the low-water mark it works at once; the first take from a full pool starts its idle timer.
            _wake.Release();
        }
    }

    /// <summary>Looks at the pool now (a file was removed, or the pool was filled from elsewhere).</summary>
    public void Wake() => _wake.Release();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _refiller.ConfigureAwait(false);
        _stopping.Dispose();
        _wake.Dispose();
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        var onTimer = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // While the pool is not full it looks again every IdleFor, to top it up once takes stop; after a
                // failure only once it runs low or is woken, so that a full disk is not retried (and logged) for ever.
                if (await _wake.WaitAsync(onTimer && _count() < _size ? IdleFor : Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false))
                {
                    onTimer = true;
                }

                while (_wake.Wait(0))
                {
                    // Takes while the last batch was made are counted below.
                }

                int missing;
                while (!stopping.IsCancellationRequested && (missing = _size - _count()) > 0)
                {
                    var idleFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastTakenTicks));
                    if (idleFor < IdleFor && _count() >= _size / 4)
                    {
                        break;
                    }

                    _create(Math.Min(_batch, missing));
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
