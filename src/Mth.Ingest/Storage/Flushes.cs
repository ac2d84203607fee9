namespace Mth.Ingest.Storage;

/// <summary>
/// Runs a blocking fsync off the thread pool. Flushes take milliseconds and every association
/// starts several at once; on thread-pool threads they would starve it (it adds threads slowly),
/// so each runs on a thread of its own, which costs far less than the flush.
/// </summary>
internal static class Flushes
{
    public static Task RunAsync(Action flush) =>
        Task.Factory.StartNew(flush, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
