using System.Threading.Channels;
using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// Puts journaled instances in place after they were answered, one at a time in the order handed
/// over: writes a journaled instance's file (or cuts a spooled instance's slot to its length),
/// renames it to the instance's name and tells the journal. The instance is durable before that
/// (its record, and a spooled instance's bytes in its slot), so none of it has to happen while the
/// peer waits: on the benchmark VM's ext4, writing and renaming a 32 KiB file costs 0.04-0.07 ms,
/// and cutting a 1 MiB slot to 528 KiB 0.25 ms, which also slows down a journal flush running at the
/// same time from 0.09 to 0.22 ms (docs/benchmarks.md, DICOM). A crash before the placement leaves
/// the record above the checkpoint, and the next start places the instance from the record.
/// </summary>
internal sealed class InstancePlacer : IAsyncDisposable
{
    private readonly InstanceJournal _journal;
    private readonly IDicomNetworkLog _log;
    private readonly Channel<Placement> _queue;
    private readonly Dictionary<string, TaskCompletionSource> _pending = new(StringComparer.Ordinal);
    private readonly Task _worker;

    /// <param name="capacity">Placements waiting at most (each may hold a journaled instance's bytes); a store that hands over more waits for the oldest.</param>
    public InstancePlacer(InstanceJournal journal, int capacity, IDicomNetworkLog log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _journal = journal;
        _log = log;
        _queue = Channel.CreateBounded<Placement>(new BoundedChannelOptions(capacity) { SingleReader = true });
        _worker = Task.Run(RunAsync);
    }

    /// <summary>
    /// Hands over an instance whose record <paramref name="sequence"/> is durable: <paramref name="place"/>
    /// puts its file at <paramref name="finalPath"/>, then the placer completes the record (see
    /// <see cref="InstanceJournal.Complete"/>) and disposes <paramref name="owned"/> (the bytes it used).
    /// A later instance of the same file must first wait for <see cref="WhenPlacedAsync(string)"/>.
    /// </summary>
    public async ValueTask EnqueueAsync(string finalPath, long sequence, Action place, IDisposable? owned = null)
    {
        var placed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending[finalPath] = placed;
        }

        try
        {
            await _queue.Writer.WriteAsync(new Placement(finalPath, sequence, place, owned, placed), CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            Forget(finalPath, placed);
            throw;
        }
    }

    /// <summary>Completes once the last instance handed over for <paramref name="finalPath"/>, if any, is in place (or failed to be).</summary>
    public Task WhenPlacedAsync(string finalPath)
    {
        lock (_pending)
        {
            return _pending.TryGetValue(finalPath, out var placed) ? placed.Task : Task.CompletedTask;
        }
    }

    /// <summary>Completes once every instance handed over so far is in place (or failed to be).</summary>
    public Task WhenAllPlacedAsync()
    {
        lock (_pending)
        {
            return _pending.Count == 0 ? Task.CompletedTask : Task.WhenAll(_pending.Values.Select(p => p.Task));
        }
    }

    /// <summary>Places everything handed over, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        await foreach (var placement in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Place(placement);
        }
    }

    private void Place(Placement placement)
    {
        try
        {
            placement.Place();
            _journal.Complete(placement.Sequence, placement.FinalPath);
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the worker goes on with the next one. Answered and durable in the journal: its record stays in flight, so no checkpoint passes it and
            // the next start places the instance from it. Checkpoints stop here meanwhile; once the ring is
            // full, instances take the fsync path.
            _log.Write(DicomLogLevel.Error,
                $"An instance could not be put in place ({ex.Message}); it stays in the journal and is placed at the next start.", ex);
        }
        finally
        {
            placement.Owned?.Dispose();
            Forget(placement.FinalPath, placement.Placed);
        }
    }

    private void Forget(string finalPath, TaskCompletionSource placed)
    {
        lock (_pending)
        {
            // Only the newest of a name is kept; an older one has been waited for before a newer was handed over.
            if (_pending.TryGetValue(finalPath, out var newest) && newest == placed)
            {
                _pending.Remove(finalPath);
            }
        }

        placed.TrySetResult();
    }

    private sealed record Placement(string FinalPath, long Sequence, Action Place, IDisposable? Owned, TaskCompletionSource Placed);
}
