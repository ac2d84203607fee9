using System.Diagnostics;

namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// Bounds how long one transport operation may wait on the peer (ARTIM, the idle timeout, a
/// peer that stops reading) with one timer per connection instead of one per read: I/O marks
/// its start and end, and a periodic check cancels <see cref="Token"/> when an operation has
/// been pending longer than <see cref="Timeout"/>. <see cref="Token"/> also follows the
/// connection's own cancellation, so passing it (or a token linked to it) to I/O covers both.
/// </summary>
internal sealed class InactivityTimer : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly Timer _timer;
    private long _lastActivity = Stopwatch.GetTimestamp();
    private int _pending;
    private TimeSpan _timeout;

    public InactivityTimer(TimeSpan timeout, CancellationToken connectionToken)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(connectionToken);
        _timer = new Timer(static state => ((InactivityTimer)state!).Check(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
        Timeout = timeout;
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>True once an operation waited past the timeout (as opposed to being cancelled).</summary>
    public bool TimedOut { get; private set; }

    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            _timeout = value;
            // Checking four times per timeout keeps the overshoot under a quarter of it.
            var period = TimeSpan.FromMilliseconds(Math.Clamp(value.TotalMilliseconds / 4, 10, 1000));
            _timer.Change(period, period);
        }
    }

    public void Begin()
    {
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _pending);
    }

    public void End()
    {
        Interlocked.Decrement(ref _pending);
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cancellation.Dispose();
    }

    private void Check()
    {
        if (Volatile.Read(ref _pending) > 0
            && Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity)) > _timeout
            && !_cancellation.IsCancellationRequested)
        {
            TimedOut = true;
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The connection ended while the check ran.
            }
        }
    }
}
