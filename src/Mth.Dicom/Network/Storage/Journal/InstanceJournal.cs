using System.Diagnostics;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// A write-ahead journal of received instances: a ring of pre-allocated segment files, written
/// with zeros once, so that appending a record and fdatasync-ing it is one device flush with no
/// file-system metadata change. A record (header, relative file name, Part 10 bytes) durable in
/// the journal is an instance durable in the store: its file can be written without a flush and
/// made durable later, in bulk, by a checkpoint. Sequence numbers grow for ever (across restarts);
/// the checkpoint says up to which one every file is durable, and a segment is written over only
/// when all its records are at or below it. At open, the valid records above the checkpoint are
/// replayed through the restore callback: for each file name its newest record, or, when that one
/// cannot be restored (a spooled instance whose bytes never became durable), the one before.
/// </summary>
internal sealed class InstanceJournal : IAsyncDisposable
{
    public const string FolderName = ".journal";
    private const string SegmentPrefix = "segment-";
    private const string SegmentSuffix = ".log";

    private readonly InstanceJournalOptions _options;
    private readonly IDicomNetworkLog _log;
    private readonly InstanceStoreStatistics _statistics;
    private readonly JournalCheckpointFile _checkpointFile;
    private readonly Segment[] _segments;
    private readonly long _segmentSize;
    private readonly ulong _journalId;
    private readonly object _gate = new();
    private readonly object _checkpointGate = new();
    private readonly SortedSet<long> _inFlight = [];
    private readonly List<MaterialisedFile> _materialised = [];
    private readonly SemaphoreSlim _checkpointWake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _checkpointer;
    private TaskCompletionSource _checkpointed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _current;
    private long _lastSequence;
    private long _checkpointSequence;
    private int _appendedSinceCheckpoint;
    private volatile bool _failed;

    private InstanceJournal(string directory, InstanceJournalOptions options, IDicomNetworkLog log, InstanceStoreStatistics statistics,
        JournalCheckpointFile checkpointFile)
    {
        _options = options;
        _log = log;
        _statistics = statistics;
        _checkpointFile = checkpointFile;
        var state = checkpointFile.State;
        _journalId = state.JournalId;
        _segmentSize = state.SegmentSize;
        _lastSequence = _checkpointSequence = state.Sequence;
        _segments = new Segment[state.SegmentCount];
        for (var i = 0; i < _segments.Length; i++)
        {
            _segments[i] = new Segment(File.OpenHandle(SegmentPath(directory, i), FileMode.Open, FileAccess.ReadWrite, FileShare.Read), i);
        }

        _checkpointer = Task.Run(RunCheckpointerAsync);
    }

    /// <summary>Largest Part 10 payload a record may carry.</summary>
    public int MaxPayloadLength => _options.MaxInstanceSize;

    /// <summary>
    /// Opens (or creates) the journal in <paramref name="directory"/>. Records above the checkpoint
    /// are handed to <paramref name="restore"/>, newest first for each name, until it returns true
    /// (the file is durable again) — only the newest restorable record of a name matters, as a later
    /// instance replaces an earlier one; <paramref name="restored"/> runs once after them, to make
    /// their names durable; then the checkpoint moves past them.
    /// </summary>
    public static InstanceJournal Open(string directory, InstanceJournalOptions options, Func<string, JournalRecordKind, ReadOnlyMemory<byte>, bool> restore,
        Action restored, InstanceStoreStatistics statistics, IDicomNetworkLog log)
    {
        options.Validate();
        Directory.CreateDirectory(directory);
        var existing = JournalCheckpointFile.TryOpen(directory);
        if (existing is null)
        {
            if (File.Exists(Path.Combine(directory, JournalCheckpointFile.FileName)))
            {
                log.Write(DicomLogLevel.Error, "The journal checkpoint is unreadable: the journal is created anew and its records are not replayed.");
            }

            return new InstanceJournal(directory, options, log, statistics, Create(directory, options, 0));
        }

        long lastSequence;
        using (existing)
        {
            lastSequence = Recover(directory, existing, restore, restored, statistics, log);
        }

        var state = new JournalCheckpoint(existing.State.JournalId, lastSequence, existing.State.SegmentSize, existing.State.SegmentCount);
        var checkpoint = state.SegmentSize == options.SegmentSize && state.SegmentCount == options.SegmentCount && SegmentsIntact(directory, state)
            ? Reopen(directory, lastSequence)
            : Create(directory, options, lastSequence);
        return new InstanceJournal(directory, options, log, statistics, checkpoint);
    }

    /// <summary>
    /// Appends one record and returns once it is durable; null when the journal cannot take it now
    /// (no free segment within <see cref="InstanceJournalOptions.RingFullWait"/>, or the journal
    /// failed earlier): the caller then makes the instance durable the slow way. The caller must
    /// call <see cref="Complete"/> with the returned sequence number once its file is written (or not).
    /// <paramref name="beforeFlush"/>, if given, runs once the record is written and its write-back
    /// started, before the flush: writes it waits for then reach the device alongside the record and
    /// are made durable by the same flush. If it throws, the record is completed as not materialised
    /// and the exception passes through (the journal itself has not failed).
    /// </summary>
    public async ValueTask<long?> TryAppendAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> payload, CancellationToken cancellationToken,
        JournalRecordKind kind = JournalRecordKind.Instance, Action? beforeFlush = null)
    {
        if (_failed)
        {
            return null;
        }

        var nameLength = Encoding.UTF8.GetByteCount(name);
        if (nameLength is 0 or > JournalRecordHeader.MaxNameLength)
        {
            throw new ArgumentException("A journal record name must have 1 to 255 UTF-8 bytes.", nameof(name));
        }

        var head = new byte[JournalRecordHeader.Size + nameLength];
        Encoding.UTF8.GetBytes(name, head.AsSpan(JournalRecordHeader.Size));
        var crc = new Crc32C();
        crc.Append(head.AsSpan(JournalRecordHeader.Size));
        long payloadLength = 0;
        foreach (var part in payload)
        {
            crc.Append(part.Span);
            payloadLength += part.Length;
        }

        if (payloadLength > _options.MaxInstanceSize)
        {
            throw new ArgumentException("The payload is larger than the journal takes.", nameof(payload));
        }

        var header = new JournalRecordHeader(_journalId, 0, nameLength, (int)payloadLength, crc.Value, kind);
        if (await ReserveAsync(header.AlignedLength, cancellationToken).ConfigureAwait(false) is not { } reservation)
        {
            _statistics.CountRingFull();
            return null;
        }

        (header with { Sequence = reservation.Sequence }).WriteTo(head);
        var segment = _segments[reservation.Segment];
        try
        {
            RandomAccess.Write(segment.Handle, [head, .. payload], reservation.Offset);
        }
        catch (Exception ex)
        {
            FailWith(ex, reservation.Sequence);
            throw;
        }

        if (beforeFlush is not null)
        {
            FileSystemSync.StartWriteBack(segment.Handle, reservation.Offset, header.AlignedLength);
            try
            {
                beforeFlush();
            }
            catch
            {
                Complete(reservation.Sequence, null);
                throw;
            }
        }

        try
        {
            await segment.Flush.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            FailWith(ex, reservation.Sequence);
            throw;
        }

        return reservation.Sequence;
    }

    private void FailWith(Exception ex, long sequence)
    {
        // After a failed write or flush the kernel may have dropped the pages: trust no later flush of this journal.
        _failed = true;
        _log.Write(DicomLogLevel.Error, "The instance journal failed; instances are made durable file by file from now on: " + ex.Message, ex);
        Complete(sequence, null);
    }

    /// <summary>
    /// The record's instance is written to <paramref name="materialisedPath"/> (not yet flushed), or
    /// was not (null): the next checkpoint makes the file durable and releases the record.
    /// </summary>
    public void Complete(long sequence, string? materialisedPath)
    {
        bool wake;
        lock (_gate)
        {
            _inFlight.Remove(sequence);
            if (materialisedPath is not null)
            {
                _materialised.Add(new MaterialisedFile(sequence, materialisedPath));
            }

            wake = ++_appendedSinceCheckpoint >= _options.CheckpointEveryRecords;
        }

        if (wake)
        {
            _checkpointWake.Release();
        }
    }

    /// <summary>
    /// Called before <paramref name="path"/> is written durably outside the journal (an instance too
    /// big for it, or a full ring): if an earlier record of that file still awaits its checkpoint,
    /// the checkpoint runs now, so that no replay after a crash puts the older instance back over
    /// the newer one.
    /// </summary>
    public void ReleaseEarlierRecordsOf(string path)
    {
        lock (_gate)
        {
            if (!_materialised.Exists(f => string.Equals(f.Path, path, StringComparison.Ordinal)))
            {
                return;
            }
        }

        Checkpoint();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _checkpointer.ConfigureAwait(false);
        try
        {
            Checkpoint();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Write(DicomLogLevel.Error, "The last journal checkpoint failed; its records will be replayed at the next start: " + ex.Message, ex);
        }

        foreach (var segment in _segments)
        {
            segment.Handle.Dispose();
        }

        _checkpointFile.Dispose();
        _stopping.Dispose();
        _checkpointWake.Dispose();
    }

    /// <summary>
    /// Makes every materialised file up to the highest sequence number below all records still in
    /// flight durable (fsync each file, then each folder once), then records that number as the
    /// checkpoint; segments whose records are all at or below it can be written again.
    /// </summary>
    internal void Checkpoint()
    {
        lock (_checkpointGate)
        {
            long target;
            List<MaterialisedFile> files;
            lock (_gate)
            {
                target = _inFlight.Count > 0 ? _inFlight.Min - 1 : _lastSequence;
                if (target <= _checkpointSequence)
                {
                    return;
                }

                files = _materialised.FindAll(f => f.Sequence <= target);
                _materialised.RemoveAll(f => f.Sequence <= target);
                _appendedSinceCheckpoint = 0;
            }

            try
            {
                FlushFiles(files);
                _checkpointFile.Write(target);
            }
            catch
            {
                lock (_gate)
                {
                    _materialised.AddRange(files);
                }

                throw;
            }

            TaskCompletionSource checkpointed;
            lock (_gate)
            {
                _checkpointSequence = target;
                checkpointed = _checkpointed;
                _checkpointed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _statistics.CountCheckpoint();
            checkpointed.TrySetResult();
        }
    }

    private async ValueTask<Reservation?> ReserveAsync(long length, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            Task checkpointed;
            lock (_gate)
            {
                var segment = _segments[_current];
                var rotated = false;
                if (segment.WriteOffset + length > _segmentSize)
                {
                    var next = _segments[(_current + 1) % _segments.Length];
                    if (next.LastSequence <= _checkpointSequence)
                    {
                        _current = next.Index;
                        next.WriteOffset = 0;
                        segment = next;
                        rotated = true;
                    }
                }

                if (segment.WriteOffset + length <= _segmentSize)
                {
                    var reservation = new Reservation(segment.Index, segment.WriteOffset, ++_lastSequence);
                    segment.WriteOffset += length;
                    segment.LastSequence = reservation.Sequence;
                    _inFlight.Add(reservation.Sequence);
                    if (rotated)
                    {
                        // The segment just left should be released soon, so the ring never runs full under steady load.
                        _checkpointWake.Release();
                    }

                    return reservation;
                }

                checkpointed = _checkpointed.Task;
            }

            var left = _options.RingFullWait - waited.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            _checkpointWake.Release();
            try
            {
                await checkpointed.WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
    }

    private async Task RunCheckpointerAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _checkpointWake.WaitAsync(_options.CheckpointInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            while (_checkpointWake.Wait(0))
            {
                // Wake-ups that arrived while the last checkpoint ran are covered by the next one.
            }

            try
            {
                Checkpoint();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _log.Write(DicomLogLevel.Error, "A journal checkpoint failed; it is tried again: " + ex.Message, ex);
            }
        }
    }

    private static void FlushFiles(List<MaterialisedFile> files)
    {
        const int batch = 256;
        var paths = files.Select(f => f.Path).Distinct(StringComparer.Ordinal).ToList();
        for (var start = 0; start < paths.Count; start += batch)
        {
            var handles = new List<SafeFileHandle>(batch);
            try
            {
                foreach (var path in paths.Skip(start).Take(batch))
                {
                    try
                    {
                        handles.Add(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
                    }
                    catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                    {
                        // Taken away by its consumer since it was written: nothing of it is left to make durable.
                    }
                }

                // Write-back of all first, then the fsyncs: they then wait on one shared journal commit.
                handles.ForEach(FileSystemSync.StartWriteBack);
                Parallel.ForEach(handles, new ParallelOptions { MaxDegreeOfParallelism = 8 }, handle => FileSystemSync.Flush(handle, "a stored instance"));
            }
            finally
            {
                handles.ForEach(h => h.Dispose());
            }
        }

        foreach (var folder in files.Select(f => Path.GetDirectoryName(f.Path)!).Distinct(StringComparer.Ordinal))
        {
            FileSystemSync.FlushDirectory(folder);
        }
    }

    /// <summary>Replays the records above the checkpoint; returns the highest sequence number seen anywhere (so numbers keep growing).</summary>
    private static long Recover(string directory, JournalCheckpointFile checkpoint, Func<string, JournalRecordKind, ReadOnlyMemory<byte>, bool> restore,
        Action restored, InstanceStoreStatistics statistics, IDicomNetworkLog log)
    {
        var state = checkpoint.State;
        var highest = state.Sequence;
        var pending = new List<(long Sequence, int Segment, long Offset, JournalRecordHeader Header)>();
        for (var i = 0; i < state.SegmentCount; i++)
        {
            var path = SegmentPath(directory, i);
            if (!File.Exists(path))
            {
                log.Write(DicomLogLevel.Error, $"Journal segment {i} is missing; its records cannot be replayed.");
                continue;
            }

            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            foreach (var (offset, header, intact) in Scan(handle, state))
            {
                highest = Math.Max(highest, header.Sequence);
                if (intact && header.Sequence > state.Sequence)
                {
                    pending.Add((header.Sequence, i, offset, header));
                }
            }
        }

        if (pending.Count == 0)
        {
            return highest;
        }

        log.Write(DicomLogLevel.Warning, $"Replaying {pending.Count} journal record(s) whose files were not known to be durable.");
        var records = pending.OrderByDescending(r => r.Sequence).Select(record =>
        {
            using var handle = File.OpenHandle(SegmentPath(directory, record.Segment), FileMode.Open, FileAccess.Read, FileShare.Read);
            var content = new byte[record.Header.NameLength + record.Header.PayloadLength];
            RandomAccess.Read(handle, content, record.Offset + JournalRecordHeader.Size);
            return (Name: Encoding.UTF8.GetString(content, 0, record.Header.NameLength), record.Header.Kind, Payload: content.AsMemory(record.Header.NameLength));
        });
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, kind, payload) in records)
        {
            if (!done.Contains(name) && restore(name, kind, payload))
            {
                done.Add(name);
                statistics.CountRecovered();
            }
        }

        restored();
        return highest;
    }

    /// <summary>
    /// Every record of this journal in a segment whose header is intact: content checked for those
    /// above the checkpoint. Records are 4 KiB aligned; an unreadable header, a torn record or a
    /// record at or below the checkpoint (which a newer one may have partly overwritten) is
    /// stepped over 4 KiB at a time, so a record torn by a crash hides none written after it.
    /// </summary>
    private static IEnumerable<(long Offset, JournalRecordHeader Header, bool Intact)> Scan(SafeFileHandle handle, JournalCheckpoint state)
    {
        var length = RandomAccess.GetLength(handle);
        var buffer = new byte[JournalRecordHeader.Size];
        long offset = 0;
        while (offset + JournalRecordHeader.Size <= length)
        {
            if (RandomAccess.Read(handle, buffer, offset) < JournalRecordHeader.Size || !JournalRecordHeader.TryRead(buffer, state.JournalId, out var header))
            {
                offset += JournalRecordHeader.Alignment;
                continue;
            }

            if (header.Sequence <= state.Sequence || offset + header.RecordLength > length || !ContentIntact(handle, offset, header))
            {
                // A header with a bad body still counts for the sequence numbers: it was handed out.
                yield return (offset, header, false);
                offset += JournalRecordHeader.Alignment;
                continue;
            }

            yield return (offset, header, true);
            offset += header.AlignedLength;
        }
    }

    private static bool ContentIntact(SafeFileHandle handle, long offset, JournalRecordHeader header)
    {
        var content = new byte[header.NameLength + header.PayloadLength];
        return RandomAccess.Read(handle, content, offset + JournalRecordHeader.Size) == content.Length && Crc32C.Compute(content) == header.ContentCrc;
    }

    /// <summary>Every segment is there at its full size (a segment lost or cut short makes the journal be created anew, after replay).</summary>
    private static bool SegmentsIntact(string directory, JournalCheckpoint state) =>
        Enumerable.Range(0, state.SegmentCount).All(i => new FileInfo(SegmentPath(directory, i)) is { Exists: true } segment && segment.Length == state.SegmentSize);

    private static JournalCheckpointFile Reopen(string directory, long sequence)
    {
        var checkpoint = JournalCheckpointFile.TryOpen(directory) ?? throw new IOException("The journal checkpoint cannot be read back.");
        checkpoint.Write(sequence);
        return checkpoint;
    }

    /// <summary>Creates the segments (written with zeros and made durable), then the checkpoint that marks the journal complete.</summary>
    private static JournalCheckpointFile Create(string directory, InstanceJournalOptions options, long sequence)
    {
        File.Delete(Path.Combine(directory, JournalCheckpointFile.FileName));
        foreach (var old in Directory.EnumerateFiles(directory, SegmentPrefix + "*" + SegmentSuffix))
        {
            File.Delete(old);
        }

        var zeros = new byte[1024 * 1024];
        for (var i = 0; i < options.SegmentCount; i++)
        {
            using var handle = File.OpenHandle(SegmentPath(directory, i), FileMode.CreateNew, FileAccess.Write, FileShare.None);
            for (long offset = 0; offset < options.SegmentSize; offset += zeros.Length)
            {
                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, options.SegmentSize - offset)), offset);
            }

            FileSystemSync.Flush(handle, "a journal segment");
        }

        FileSystemSync.FlushDirectory(directory);
        var journalId = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sizeof(ulong)));
        return JournalCheckpointFile.Create(directory, new JournalCheckpoint(journalId, sequence, options.SegmentSize, options.SegmentCount));
    }

    private static string SegmentPath(string directory, int index) => Path.Combine(directory, SegmentPrefix + index + SegmentSuffix);

    private sealed class Segment(SafeFileHandle handle, int index)
    {
        public SafeFileHandle Handle { get; } = handle;

        public int Index { get; } = index;

        public MergingFlush Flush { get; } = new(() => FileSystemSync.FlushData(handle, "a journal segment"));

        /// <summary>Where the next record goes (guarded by the journal's lock).</summary>
        public long WriteOffset { get; set; }

        /// <summary>The highest sequence number written in this segment's current cycle: it is free once the checkpoint reaches it.</summary>
        public long LastSequence { get; set; }
    }

    private readonly record struct Reservation(int Segment, long Offset, long Sequence);

    private readonly record struct MaterialisedFile(long Sequence, string Path);
}
