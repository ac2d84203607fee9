using System.Buffers;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage.Journal;

namespace Mth.Dicom.Network.Storage;

/// <summary>
/// A store handler that keeps each received instance as a Part 10 file named by its validated
/// SOP Instance UID, and answers success only once the instance is durable, the way
/// <see cref="FileSystemInstanceStoreOptions.Durability"/> says:
/// <list type="bullet">
/// <item><see cref="DurabilityMode.WriteAheadJournal"/> (default): an instance up to the journal's
/// size limit is gathered in memory, appended to the journal in <c>ROOT/.journal</c> and made durable
/// there with one data flush, and answered; its file is then written and renamed into place without
/// a flush (<see cref="WhenPlacedAsync"/>), and a background checkpoint makes files durable in bulk.
/// At start, journal records whose files were not yet known to be durable are written again.
/// An instance above that limit and up to a spool slot's size is streamed into a pre-written
/// spool slot in <c>ROOT/.spool</c>, made durable there with one data flush, named by a small
/// journal record (slot, length, CRC-32C), and answered; then it is cut to its length and renamed
/// into place without a flush, and the checkpoint makes it durable under its name. At start, such a
/// record whose file was not known to be durable completes the placement from the slot (or the
/// file) when the CRC matches.</item>
/// <item><see cref="DurabilityMode.FsyncEachInstance"/> (and, with the journal, instances bigger
/// than a spool slot or arriving when no slot is free): the file is written under a temporary name, fsynced, renamed into place and its
/// folder fsynced.</item>
/// <item><see cref="DurabilityMode.GroupCommit"/>: the same flushes, shared by instances finished together.</item>
/// </list>
/// A failure or an abort before success removes the temporary file, so the folder holds whole
/// instances only. A second instance with the same UID replaces the first atomically.
/// </summary>
public sealed class FileSystemInstanceStore : IDicomStoreHandler, IAsyncDisposable
{
    private const string Extension = ".dcm";

    /// <summary>Bytes of a spooled data set written (and their write-back started) at a time, while the rest arrives.</summary>
    private const int SpoolWriteChunk = 64 * 1024;

    /// <summary>The unit spool slots are written in (the page size on the platforms that matter here).</summary>
    private const int PageSize = 4096;

    /// <summary>Answered instances waiting to be put in place at most (a journaled one holds its bytes meanwhile, up to the journal's size limit).</summary>
    private const int PlacementQueue = 64;
    private readonly FileSystemInstanceStoreOptions _options;
    private readonly IDicomNetworkLog _log;
    private readonly string _incoming;
    private readonly GroupCommitter? _committer;
    private readonly InstanceJournal? _journal;
    private readonly InstanceSpool? _spool;
    private readonly InstancePlacer? _placer;
    private readonly EmptyFilePool? _emptyFiles;
    private readonly string _spoolDirectory;

    public FileSystemInstanceStore(FileSystemInstanceStoreOptions options, IDicomNetworkLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.WriteBufferSize < 4096 || options.MaxGroupSize < 1)
        {
            throw new ArgumentException("WriteBufferSize must be at least 4 KiB and MaxGroupSize at least 1.", nameof(options));
        }

        _options = options;
        _log = log ?? NullDicomNetworkLog.Instance;
        RootDirectory = Path.GetFullPath(options.RootDirectory);
        _incoming = Path.Combine(RootDirectory, PartialInstanceFile.IncomingFolderName);
        _spoolDirectory = Path.Combine(RootDirectory, InstanceSpool.FolderName);
        var created = !Directory.Exists(RootDirectory);
        Directory.CreateDirectory(_incoming);
        if (created && Path.GetDirectoryName(RootDirectory) is { } parent)
        {
            FileSystemSync.FlushDirectory(parent);
        }

        FileSystemSync.FlushDirectory(RootDirectory);
        PartialInstanceFile.RemoveLeftovers(_incoming, _log);
        _committer = options.Durability == DurabilityMode.GroupCommit ? new GroupCommitter(options.MaxGroupSize) : null;
        // The journal flushes open handles with fdatasync (POSIX); on Windows the store falls back to an fsync each.
        if (options.Durability == DurabilityMode.WriteAheadJournal && !OperatingSystem.IsWindows())
        {
            // Opening replays what a crash may have left only in the journal, before anything new is received.
            _journal = InstanceJournal.Open(Path.Combine(RootDirectory, InstanceJournal.FolderName), options.Journal, Restore,
                () => FileSystemSync.FlushDirectory(RootDirectory), Statistics, _log);
            _placer = new InstancePlacer(_journal, PlacementQueue, _log);
            if (options.Journal.EmptyFiles > 0)
            {
                try
                {
                    _emptyFiles = new EmptyFilePool(Path.Combine(RootDirectory, EmptyFilePool.FolderName), options.Journal.EmptyFiles, _log);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // An optimisation only: each instance's file is then created when it arrives.
                    _log.Write(DicomLogLevel.Error, "The folder of ready files could not be prepared; files are created as instances arrive: " + ex.Message, ex);
                }
            }

            if (options.Journal.SpoolSlots > 0)
            {
                try
                {
                    // After the replay, which may have taken slots the journal named.
                    _spool = InstanceSpool.Open(_spoolDirectory, options.Journal.SpoolSlotSize, options.Journal.SpoolSlots, _log);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // No room for the slots, say: instances above the journal's limit take the fsync path.
                    _log.Write(DicomLogLevel.Error, "The instance spool could not be created; larger instances are fsynced file by file: " + ex.Message, ex);
                }
            }
        }
    }

    public string RootDirectory { get; }

    public InstanceStoreStatistics Statistics { get; } = new();

    /// <summary>
    /// Spool slots ready for the next large instances (0 without a spool). Slots taken are written anew in the
    /// background once the store has been idle a moment: a burst of large instances larger than this pays an
    /// fsync each for the rest.
    /// </summary>
    public int FreeSpoolSlots => _spool?.FreeSlots ?? 0;

    /// <summary>
    /// Completes once every instance answered so far is in place under its name. With
    /// <see cref="DurabilityMode.WriteAheadJournal"/>, journaled and spooled instances are durable when
    /// answered and put in place just after (normally within a millisecond; all of them before
    /// <see cref="DisposeAsync"/> completes); in the other modes, before the answer.
    /// </summary>
    public Task WhenPlacedAsync() => _placer?.WhenAllPlacedAsync() ?? Task.CompletedTask;

    /// <summary>Where an instance is stored: derived from the UID alone, after validating it.</summary>
    public string PathFor(string sopInstanceUid) => Path.Combine(RootDirectory, DicomUid.Validate(sopInstanceUid, "SOP Instance UID") + Extension);

    public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataSet);
        var finalPath = PathFor(request.SopInstanceUid);
        if (_placer is not null)
        {
            // An earlier instance of this file still being placed goes first: it must not land over this one,
            // and the paths below expect its record to be complete (ReleaseEarlierRecordsOf).
            await _placer.WhenPlacedAsync(finalPath).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_journal is null)
        {
            // FsyncEachInstance, GroupCommit, or the journal on Windows.
            await StoreFileAsync(request, dataSet, finalPath, cancellationToken).ConfigureAwait(false);
            return DimseStatus.Success;
        }

        var meta = new DicomFileMetaInformation(request.SopClassUid, request.SopInstanceUid, request.TransferSyntax)
        {
            SourceApplicationEntityTitle = request.Association.CallingAeTitle,
        }.ToArray();
        var gathered = new GatheredDataSet();
        var handedOver = false;
        try
        {
            handedOver = await StoreJournaledAsync(request, dataSet, meta, gathered, finalPath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!handedOver)
            {
                gathered.Dispose();
            }
        }

        return DimseStatus.Success;
    }

    /// <summary>Stores an instance with the journal; true when <paramref name="gathered"/> was handed over to the placer with the instance.</summary>
    private async Task<bool> StoreJournaledAsync(DicomStoreRequest request, Stream dataSet, byte[] meta, GatheredDataSet gathered, string finalPath,
        CancellationToken cancellationToken)
    {
        var journal = _journal!;
        if (!await gathered.FillAsync(dataSet, journal.MaxPayloadLength - meta.Length, cancellationToken).ConfigureAwait(false))
        {
            // Too big for the journal: into a spool slot when one is free (a deflated data set is checked
            // from its file, which the fsync path does), else streamed to its own file; memory stays bounded.
            if (!request.TransferSyntax.IsDeflated && _spool?.TryTake() is { } slot)
            {
                await StoreSpooledAsync(meta, gathered, dataSet, slot, finalPath, cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (_spool is not null && !request.TransferSyntax.IsDeflated)
            {
                Statistics.CountSpoolEmpty();
            }

            journal.ReleaseEarlierRecordsOf(finalPath);
            using var rest = gathered.OpenRead(dataSet);
            await StoreFileAsync(request, rest, finalPath, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (dataSet is not ValidatingDataSetStream { Summary: not null } && request.TransferSyntax.IsDeflated)
        {
            using var written = gathered.OpenRead();
            await PartialInstanceFile.ValidateReceivedAsync(written, request, _options.ReaderOptions, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<ReadOnlyMemory<byte>> part10 = [meta, .. gathered.Chunks];
        if (await journal.TryAppendAsync(Path.GetFileName(finalPath), part10, cancellationToken).ConfigureAwait(false) is not { } sequence)
        {
            journal.ReleaseEarlierRecordsOf(finalPath);
            WriteFile(finalPath, part10, durable: true);
            FileSystemSync.FlushDirectory(RootDirectory);
            Statistics.CountWrittenDirectly();
            return false;
        }

        // Durable in the journal: its file is written and renamed into place after the answer, without a
        // flush (the checkpoint flushes it later).
        Statistics.CountJournaled();
        await HandOverAsync(finalPath, sequence, () => WriteFile(finalPath, part10, durable: false), gathered).ConfigureAwait(false);
        return true;
    }

    private async ValueTask HandOverAsync(string finalPath, long sequence, Action place, IDisposable? owned = null)
    {
        try
        {
            await _placer!.EnqueueAsync(finalPath, sequence, place, owned).ConfigureAwait(false);
        }
        catch
        {
            // Only while the store is disposed: not answered, so its record need not hold the checkpoint back.
            _journal!.Complete(sequence, null);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_placer is not null)
        {
            // Before the journal's last checkpoint, so that it covers them.
            await _placer.DisposeAsync().ConfigureAwait(false);
        }

        if (_committer is not null)
        {
            await _committer.DisposeAsync().ConfigureAwait(false);
        }

        if (_journal is not null)
        {
            await _journal.DisposeAsync().ConfigureAwait(false);
        }

        if (_spool is not null)
        {
            await _spool.DisposeAsync().ConfigureAwait(false);
        }

        if (_emptyFiles is not null)
        {
            await _emptyFiles.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Streams the Part 10 bytes over a spool slot's pre-written blocks, makes them durable with one
    /// data flush and appends a journal record naming the slot; once answered, the slot is cut to the
    /// instance's length and renamed into place (<see cref="InstancePlacer"/>; both left for the checkpoint
    /// to flush). An instance that outgrows the slot, or that the journal cannot take, is made durable
    /// as a plain file instead.
    /// </summary>
    private async Task StoreSpooledAsync(byte[] meta, GatheredDataSet gathered, Stream dataSet, string slot, string finalPath,
        CancellationToken cancellationToken)
    {
        var spool = _spool!;
        var journal = _journal!;
        var recorded = false;
        try
        {
            long length;
            uint crc;
            using (var file = File.OpenHandle(slot, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                (length, crc) = await WriteSlotAsync(file, meta, gathered, dataSet, cancellationToken).ConfigureAwait(false);
                if (length > spool.SlotSize)
                {
                    // Grown past its pre-written blocks: a plain file now, fsynced with its new size.
                    StoreSlotAsPlainFile(file, length);
                    return;
                }

                // The slot's bytes over pre-written blocks need no metadata: where the file system guarantees
                // that, the record is written, then the slot written out (no flush) while the device also takes
                // the record, and the record's fdatasync, issued once both are there, flushes them at once.
                // Elsewhere the slot's own flush runs together with the record's. Either way a record durable
                // without its bytes was never acknowledged, and recovery sees the CRC differ and keeps the
                // instance's earlier record, if any.
                var reference = new SpoolReference(Path.GetFileName(slot), length, crc).ToArray();
                var slotFlushed = spool.SharesRecordFlush
                    ? Task.CompletedTask
                    : Task.Run(() => FileSystemSync.FlushData(file, "a spool slot"), CancellationToken.None);
                Action? writeOut = spool.SharesRecordFlush ? () => FileSystemSync.WriteOut(file, "a spool slot") : null;
                recorded = true;
                long? appended = null;
                try
                {
                    appended = await journal.TryAppendAsync(Path.GetFileName(finalPath), [reference], cancellationToken, JournalRecordKind.Spooled, writeOut)
                        .ConfigureAwait(false);
                }
                finally
                {
                    try
                    {
                        await slotFlushed.ConfigureAwait(false);
                    }
                    catch when (appended is { } taken)
                    {
                        // Not acknowledged: the record is left to the checkpoint (and, after a crash, to its CRC).
                        journal.Complete(taken, null);
                        throw;
                    }
                }

                if (appended is not { } sequence)
                {
                    // The journal is full or failed: the slot becomes a plain file, fsynced with its length.
                    StoreSlotAsPlainFile(file, length);
                    return;
                }

                // Durable: the cut to the instance's length and the rename into place come after the answer
                // (InstancePlacer; the checkpoint flushes both; recovery accepts the slot cut or not, renamed or not).
                file.Dispose();
                Statistics.CountSpooled();
                await HandOverAsync(finalPath, sequence, () =>
                {
                    using (var cut = File.OpenHandle(slot, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                        RandomAccess.SetLength(cut, length);
                    }

                    File.Move(slot, finalPath, overwrite: true);
                }).ConfigureAwait(false);
            }
        }
        catch
        {
            if (recorded || File.Exists(slot) && new FileInfo(slot).Length != spool.SlotSize)
            {
                // A record may name it, or it is no longer a slot's size: never handed out again.
                spool.Discard(slot);
            }
            else if (File.Exists(slot))
            {
                spool.Return(slot);
            }

            throw;
        }

        void StoreSlotAsPlainFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long length)
        {
            journal.ReleaseEarlierRecordsOf(finalPath);
            RandomAccess.SetLength(file, length);
            FileSystemSync.Flush(file, "a stored instance");
            file.Dispose();
            File.Move(slot, finalPath, overwrite: true);
            FileSystemSync.FlushDirectory(RootDirectory);
            Statistics.CountWrittenDirectly();
        }
    }

    /// <summary>
    /// Writes file meta, the gathered bytes and the rest of the data set from offset 0; returns the length and CRC-32C written.
    /// Whole pages only: the slot's pages are not cached (<see cref="InstanceSpool"/>), and writing part of an uncached page
    /// makes the kernel read it first. The last page is padded with zeros, which the cut after the answer removes.
    /// </summary>
    private async Task<(long Length, uint Crc)> WriteSlotAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] meta, GatheredDataSet gathered, Stream dataSet,
        CancellationToken cancellationToken)
    {
        var crc = new Crc32C();
        IReadOnlyList<ReadOnlyMemory<byte>> head = [meta, .. gathered.Chunks];
        long headLength = 0;
        foreach (var part in head)
        {
            crc.Append(part.Span);
            headLength += part.Length;
        }

        // The buffer holds what is left of a page between writes, then a chunk, then the padding of the last page.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(SpoolWriteChunk, _options.WriteBufferSize) + (2 * PageSize));
        try
        {
            long offset = headLength & ~(PageSize - 1L);
            var carry = SplitAtPage(head, offset, buffer, out var whole);
            if (offset > 0)
            {
                RandomAccess.Write(file, whole, 0);
                // The device writes what has arrived while the rest arrives: the flush at the end finds little left to write.
                FileSystemSync.StartWriteBack(file, 0, offset);
            }

            while (true)
            {
                // Past the slot the instance becomes a plain file, fsynced at the end: written in large blocks, as the fsync path does.
                var inSlot = offset < _spool!.SlotSize;
                var chunk = inSlot ? SpoolWriteChunk : _options.WriteBufferSize;
                var filled = await dataSet.ReadAtLeastAsync(buffer.AsMemory(carry, chunk), chunk, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                crc.Append(buffer.AsSpan(carry, filled));
                var buffered = carry + filled;
                var last = filled < chunk;
                // The slot's size is a multiple of the page size: padding never passes its end.
                var writable = last ? (buffered + PageSize - 1) & ~(PageSize - 1) : buffered & ~(PageSize - 1);
                buffer.AsSpan(buffered, Math.Max(0, writable - buffered)).Clear();
                if (writable > 0)
                {
                    RandomAccess.Write(file, buffer.AsSpan(0, writable), offset);
                    if (inSlot)
                    {
                        FileSystemSync.StartWriteBack(file, offset, writable);
                    }
                }

                if (last)
                {
                    return (offset + buffered, crc.Value);
                }

                offset += writable;
                carry = buffered - writable;
                buffer.AsSpan(writable, carry).CopyTo(buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The first <paramref name="length"/> bytes of <paramref name="parts"/> as a list of slices (<paramref name="whole"/>);
    /// the bytes after them are copied to the start of <paramref name="rest"/>, and their count returned.
    /// </summary>
    private static int SplitAtPage(IReadOnlyList<ReadOnlyMemory<byte>> parts, long length, byte[] rest, out List<ReadOnlyMemory<byte>> whole)
    {
        whole = new List<ReadOnlyMemory<byte>>(parts.Count);
        long taken = 0;
        var copied = 0;
        foreach (var part in parts)
        {
            var inWhole = (int)Math.Min(part.Length, length - taken);
            if (inWhole > 0)
            {
                whole.Add(part[..inWhole]);
                taken += inWhole;
            }

            part[inWhole..].Span.CopyTo(rest.AsSpan(copied));
            copied += part.Length - inWhole;
        }

        return copied;
    }

    private async Task StoreFileAsync(DicomStoreRequest request, Stream dataSet, string finalPath, CancellationToken cancellationToken)
    {
        await using var partial = PartialInstanceFile.Create(_incoming, _log);
        await partial.WriteAsync(request, dataSet, _options.WriteBufferSize, _options.ReaderOptions, summaryRequired: false, cancellationToken).ConfigureAwait(false);
        if (_committer is not null)
        {
            await partial.CloseAsync().ConfigureAwait(false);
            await _committer.CommitAsync(partial.Path, finalPath).ConfigureAwait(false);
        }
        else
        {
            partial.FlushToDisk();
            await partial.MoveToAsync(finalPath).ConfigureAwait(false);
            FileSystemSync.FlushDirectory(RootDirectory);
        }

        Statistics.CountWrittenDirectly();
    }

    /// <summary>Writes a whole Part 10 file under a temporary name (fsynced when <paramref name="durable"/>) and renames it into place.</summary>
    private void WriteFile(string finalPath, IReadOnlyList<ReadOnlyMemory<byte>> part10, bool durable)
    {
        var (temporary, handle) = OpenTemporaryFile();
        try
        {
            using (var file = handle)
            {
                RandomAccess.Write(file, part10, 0);
                // Not durable: no write-back started here. Starting it costs the peer 0.065 ms per 32 KiB file
                // (the kernel submits the writes in the calling thread); the checkpoint starts it for all its
                // files at once.
                if (durable)
                {
                    FileSystemSync.Flush(file, "a stored instance");
                }
            }

            File.Move(temporary, finalPath, overwrite: true);
        }
        catch
        {
            PartialInstanceFile.TryDelete(temporary, _log);
            throw;
        }
    }

    /// <summary>A new temporary file in the incoming folder: one made ready by the pool when there is one, else created now.</summary>
    private (string Path, Microsoft.Win32.SafeHandles.SafeFileHandle Handle) OpenTemporaryFile()
    {
        if (_emptyFiles?.TryTake() is { } ready)
        {
            try
            {
                return (ready, File.OpenHandle(ready, FileMode.Open, FileAccess.Write, FileShare.None));
            }
            catch (FileNotFoundException)
            {
                // Removed behind the store's back: create one as without the pool.
            }
        }

        var path = PartialInstanceFile.NewTemporaryPath(_incoming);
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        Statistics.CountFileCreated();
        return (path, handle);
    }

    /// <summary>
    /// Makes durable again an instance whose journal record survived a crash that its file may not
    /// have: rewritten from the record, or, for a spooled instance, placed from its slot (or found
    /// already placed) when the bytes there match the record's CRC. False when it cannot be.
    /// </summary>
    private bool Restore(string name, JournalRecordKind kind, ReadOnlyMemory<byte> payload)
    {
        // The name comes from disk: only a plain "<valid UID>.dcm" may become a path.
        var uid = name.EndsWith(Extension, StringComparison.Ordinal) ? name.Substring(0, name.Length - Extension.Length) : null;
        if (uid is null || !DicomUid.IsValid(uid))
        {
            _log.Write(DicomLogLevel.Error, "A journal record names no valid instance file; it is not replayed.");
            return false;
        }

        var finalPath = PathFor(uid);
        if (kind == JournalRecordKind.Instance)
        {
            WriteFile(finalPath, [payload], durable: true);
            return true;
        }

        if (!SpoolReference.TryRead(payload.Span, out var reference) || !InstanceSpool.IsSlotName(reference.SlotName))
        {
            _log.Write(DicomLogLevel.Error, "A spooled-instance record is malformed; it is not replayed.");
            return false;
        }

        // Before the crash the slot was cut and renamed after the record was durable: either may have reached the disk.
        var slot = Path.Combine(_spoolDirectory, reference.SlotName);
        if (TryCutToRecordedLength(slot, reference))
        {
            File.Move(slot, finalPath, overwrite: true);
            return true;
        }

        if (TryCutToRecordedLength(finalPath, reference))
        {
            return true;
        }

        _log.Write(DicomLogLevel.Warning, $"The spooled bytes of {name} are not on disk (never acknowledged); an earlier record of it is used if there is one.");
        return false;
    }

    /// <summary>True when <paramref name="path"/> starts with the referenced bytes: it is then cut to their length and fsynced.</summary>
    private static bool TryCutToRecordedLength(string path, SpoolReference reference)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        if (RandomAccess.GetLength(file) < reference.Length)
        {
            return false;
        }

        var crc = new Crc32C();
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            for (long offset = 0; offset < reference.Length;)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, reference.Length - offset)), offset);
                if (read <= 0)
                {
                    return false;
                }

                crc.Append(buffer.AsSpan(0, read));
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (crc.Value != reference.Crc)
        {
            return false;
        }

        RandomAccess.SetLength(file, reference.Length);
        FileSystemSync.Flush(file, "a restored instance");
        return true;
    }
}
