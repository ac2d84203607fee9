using System.Threading.Channels;

namespace Mth.Dicom.Network.Storage;

/// <summary>
/// Makes written files durable in groups: everything queued while the previous group was being
/// flushed goes into the next one, so under concurrent load one round of flushes (the files,
/// then each directory once) covers many instances, and a lone instance waits for nothing but
/// its own flushes.
/// </summary>
internal sealed class GroupCommitter : IAsyncDisposable
{
    private readonly int _maxGroupSize;
    private readonly Channel<PendingCommit> _queue = Channel.CreateUnbounded<PendingCommit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public GroupCommitter(int maxGroupSize)
    {
        _maxGroupSize = maxGroupSize;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes once <paramref name="temporaryPath"/>'s data and its new name <paramref name="finalPath"/> are durable.</summary>
    public Task CommitAsync(string temporaryPath, string finalPath)
    {
        var pending = new PendingCommit(temporaryPath, finalPath, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommitter));
        }

        return pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var group = new List<PendingCommit>(_maxGroupSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < _maxGroupSize && _queue.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            Commit(group);
        }
    }

    private void Commit(List<PendingCommit> group)
    {
        try
        {
            FlushData(group);
        }
        catch (Exception ex)
        {
            foreach (var pending in group)
            {
                pending.Done.TrySetException(ex);
            }

            return;
        }

        var renamed = new List<PendingCommit>(group.Count);
        foreach (var pending in group)
        {
            try
            {
                File.Move(pending.TemporaryPath, pending.FinalPath, overwrite: true);
                renamed.Add(pending);
            }
            catch (Exception ex)
            {
                pending.Done.TrySetException(ex);
            }
        }

        try
        {
            FlushNames(renamed);
            foreach (var pending in renamed)
            {
                pending.Done.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in renamed)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    /// <summary>
    /// fsync every file of the group at once: the kernel merges flushes that are in flight
    /// together, where one after another each would cost a device flush of its own.
    /// </summary>
    private static void FlushData(List<PendingCommit> group)
    {
        Parallel.ForEach(group, new ParallelOptions { MaxDegreeOfParallelism = 16 }, pending =>
        {
            using var file = new FileStream(pending.TemporaryPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            file.Flush(flushToDisk: true);
        });
    }

    /// <summary>One directory fsync per directory the group renamed into.</summary>
    private static void FlushNames(List<PendingCommit> renamed)
    {
        foreach (var directory in renamed.Select(p => Path.GetDirectoryName(p.FinalPath)!).Distinct(StringComparer.Ordinal))
        {
            FileSystemSync.FlushDirectory(directory);
        }
    }

    private sealed record PendingCommit(string TemporaryPath, string FinalPath, TaskCompletionSource Done);
}
