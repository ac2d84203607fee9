using System.Collections.Concurrent;

namespace Mth.Ingest.Storage;

/// <summary>
/// Threads of Ingest's own for the blocking fsyncs. An fsync takes milliseconds and every
/// instance starts several at once; on thread-pool threads they would starve the pool (which
/// adds threads slowly) and with it every association's network I/O. Flushes queue here when
/// all threads are busy; concurrent flushes still share the file system's journal commit.
/// </summary>
public sealed class FlushThreads : IDisposable
{
    public const int DefaultCount = 16;

    private readonly BlockingCollection<(Action Flush, TaskCompletionSource Done)> _queue = new();
    private readonly Thread[] _threads;

    public FlushThreads()
        : this(DefaultCount)
    {
    }

    public FlushThreads(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = "mth-ingest-flush-" + i };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="flush"/> on a flush thread; the task ends with it (its exception included).</summary>
    public Task RunAsync(Action flush)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((flush, done));
        return done.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _queue.Dispose();
    }

    private void Run()
    {
        foreach (var (flush, done) in _queue.GetConsumingEnumerable())
        {
            try
            {
                flush();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }
    }
}
