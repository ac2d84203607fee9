namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// Merges concurrent flushes of one file: a caller needs one flush that started after its write
/// completed. While a flush runs, every caller that arrives waits for it and then shares the
/// next one, so N concurrent writers cost about two flushes rather than N.
/// </summary>
internal sealed class MergingFlush(Action flush)
{
    private readonly object _gate = new();
    private long _started;
    private long _completed;
    private TaskCompletionSource<Exception?>? _running;
    private long _runningNumber;

    /// <summary>Returns once a flush that started after this call began has succeeded; throws when that flush failed.</summary>
    public async ValueTask FlushAsync()
    {
        long needed;
        lock (_gate)
        {
            needed = _started + 1;
        }

        while (true)
        {
            TaskCompletionSource<Exception?> flushing;
            long number;
            var mine = false;
            lock (_gate)
            {
                if (_completed >= needed)
                {
                    return;
                }

                if (_running is null)
                {
                    _running = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _runningNumber = ++_started;
                    mine = true;
                }

                flushing = _running;
                number = _runningNumber;
            }

            Exception? error = null;
            if (mine)
            {
                try
                {
                    flush();
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                lock (_gate)
                {
                    _completed = number;
                    _running = null;
                }

                flushing.SetResult(error);
            }
            else
            {
                error = await flushing.Task.ConfigureAwait(false);
            }

            if (error is not null && number >= needed)
            {
                throw new IOException("The journal could not be flushed: " + error.Message, error);
            }
        }
    }
}
