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
/// there with one data flush; its file is then written and renamed into place without a flush
/// (visible at once), and a background checkpoint makes files durable in bulk. At start, journal
/// records whose files were not yet known to be durable are written again.
/// An instance above that limit and up to a spool slot's size is streamed into a pre-written
/// spool slot in <c>ROOT/.spool</c>, made durable there with one data flush, named by a small
/// journal record (slot, length, CRC-32C), and renamed into place without a flush; the checkpoint
/// makes it durable under its name. At start, such a record whose file was not known to be
/// durable completes the placement from the slot (or the file) when the CRC matches.</item>
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
    private readonly FileSystemInstanceStoreOptions _options;
    private readonly IDicomNetworkLog _log;
    private readonly string _incoming;
    private readonly GroupCommitter? _committer;
    private readonly InstanceJournal? _journal;
    private readonly InstanceSpool? _spool;
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

    /// <summary>Where an instance is stored: derived from the UID alone, after validating it.</summary>
    public string PathFor(string sopInstanceUid) => Path.Combine(RootDirectory, DicomUid.Validate(sopInstanceUid, "SOP Instance UID") + Extension);

    public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataSet);
        var finalPath = PathFor(request.SopInstanceUid);
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
        using var gathered = new GatheredDataSet();
        if (!await gathered.FillAsync(dataSet, _journal.MaxPayloadLength - meta.Length, cancellationToken).ConfigureAwait(false))
        {
            // Too big for the journal: into a spool slot when one is free (a deflated data set is checked
            // from its file, which the fsync path does), else streamed to its own file; memory stays bounded.
            if (!request.TransferSyntax.IsDeflated && _spool?.TryTake() is { } slot)
            {
                await StoreSpooledAsync(meta, gathered, dataSet, slot, finalPath, cancellationToken).ConfigureAwait(false);
                return DimseStatus.Success;
            }

            if (_spool is not null && !request.TransferSyntax.IsDeflated)
            {
                Statistics.CountSpoolEmpty();
            }

            _journal.ReleaseEarlierRecordsOf(finalPath);
            using var rest = gathered.OpenRead(dataSet);
            await StoreFileAsync(request, rest, finalPath, cancellationToken).ConfigureAwait(false);
            return DimseStatus.Success;
        }

        if (dataSet is not ValidatingDataSetStream { Summary: not null } && request.TransferSyntax.IsDeflated)
        {
            using var written = gathered.OpenRead();
            await PartialInstanceFile.ValidateReceivedAsync(written, request, _options.ReaderOptions, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<ReadOnlyMemory<byte>> part10 = [meta, .. gathered.Chunks];
        if (await _journal.TryAppendAsync(Path.GetFileName(finalPath), part10, cancellationToken).ConfigureAwait(false) is not { } sequence)
        {
            _journal.ReleaseEarlierRecordsOf(finalPath);
            WriteFile(finalPath, part10, durable: true);
            FileSystemSync.FlushDirectory(RootDirectory);
            Statistics.CountWrittenDirectly();
            return DimseStatus.Success;
        }

        // Durable in the journal: the file only has to be visible now; the checkpoint flushes it later.
        string? materialised = null;
        try
        {
            WriteFile(finalPath, part10, durable: false);
            materialised = finalPath;
        }
        finally
        {
            _journal.Complete(sequence, materialised);
        }

        Statistics.CountJournaled();
        return DimseStatus.Success;
    }

    public async ValueTask DisposeAsync()
    {
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
    /// data flush, appends a journal record naming the slot, then cuts the slot to the instance's
    /// length and renames it into place (both left for the checkpoint to flush). An instance that
    /// outgrows the slot, or that the journal cannot take, is made durable as a plain file instead.
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
                    StoreSlotAsPlainFile(file);
                    return;
                }

                // The slot's bytes over pre-written blocks need no metadata: where the file system guarantees
                // that, they are written out (no flush) and the record's fdatasync, issued after they reached
                // the device, flushes both at once. Elsewhere the slot's own flush runs together with the
                // record's. Either way a record durable without its bytes was never acknowledged, and recovery
                // sees the CRC differ and keeps the instance's earlier record, if any. The slot is cut to the
                // instance's length meanwhile (a metadata change left to the checkpoint's flush; recovery
                // accepts the slot cut or not, and a cut slot without a record is removed at start).
                var reference = new SpoolReference(Path.GetFileName(slot), length, crc).ToArray();
                Task slotFlushed;
                if (spool.SharesRecordFlush)
                {
                    FileSystemSync.WriteOut(file, "a spool slot");
                    slotFlushed = Task.Run(() => RandomAccess.SetLength(file, length), CancellationToken.None);
                }
                else
                {
                    slotFlushed = Task.Run(() =>
                    {
                        FileSystemSync.FlushData(file, "a spool slot");
                        RandomAccess.SetLength(file, length);
                    }, CancellationToken.None);
                }

                recorded = true;
                long? appended = null;
                try
                {
                    appended = await journal.TryAppendAsync(Path.GetFileName(finalPath), [reference], cancellationToken, JournalRecordKind.Spooled)
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
                    StoreSlotAsPlainFile(file);
                    return;
                }

                string? materialised = null;
                try
                {
                    file.Dispose();
                    File.Move(slot, finalPath, overwrite: true);
                    materialised = finalPath;
                }
                finally
                {
                    journal.Complete(sequence, materialised);
                }
            }

            Statistics.CountSpooled();
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

        void StoreSlotAsPlainFile(Microsoft.Win32.SafeHandles.SafeFileHandle file)
        {
            journal.ReleaseEarlierRecordsOf(finalPath);
            FileSystemSync.Flush(file, "a stored instance");
            file.Dispose();
            File.Move(slot, finalPath, overwrite: true);
            FileSystemSync.FlushDirectory(RootDirectory);
            Statistics.CountWrittenDirectly();
        }
    }

    /// <summary>Writes file meta, the gathered bytes and the rest of the data set from offset 0; returns the length and CRC-32C written.</summary>
    private async Task<(long Length, uint Crc)> WriteSlotAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] meta, GatheredDataSet gathered, Stream dataSet,
        CancellationToken cancellationToken)
    {
        var crc = new Crc32C();
        long offset = 0;
        IReadOnlyList<ReadOnlyMemory<byte>> head = [meta, .. gathered.Chunks];
        foreach (var part in head)
        {
            crc.Append(part.Span);
        }

        RandomAccess.Write(file, head, offset);
        offset += head.Sum(p => (long)p.Length);
        // The device writes what has arrived while the rest arrives: the flush at the end finds little left to write.
        FileSystemSync.StartWriteBack(file, 0, offset);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(SpoolWriteChunk, _options.WriteBufferSize));
        try
        {
            while (true)
            {
                // Past the slot the instance becomes a plain file, fsynced at the end: written in large blocks, as the fsync path does.
                var inSlot = offset < _spool!.SlotSize;
                var chunk = inSlot ? SpoolWriteChunk : _options.WriteBufferSize;
                var filled = await dataSet.ReadAtLeastAsync(buffer.AsMemory(0, chunk), chunk, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (filled > 0)
                {
                    crc.Append(buffer.AsSpan(0, filled));
                    RandomAccess.Write(file, buffer.AsSpan(0, filled), offset);
                    if (inSlot)
                    {
                        FileSystemSync.StartWriteBack(file, offset, filled);
                    }

                    offset += filled;
                }

                if (filled < chunk)
                {
                    return (offset, crc.Value);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
                if (durable)
                {
                    FileSystemSync.Flush(file, "a stored instance");
                }
                else
                {
                    // Write-back starts now, in the background, rather than in one burst at the checkpoint.
                    FileSystemSync.StartWriteBack(file);
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
