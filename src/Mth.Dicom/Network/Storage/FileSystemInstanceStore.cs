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
/// records whose files were not yet known to be durable are written again.</item>
/// <item><see cref="DurabilityMode.FsyncEachInstance"/> (and every instance above the journal's
/// limit): the file is written under a temporary name, fsynced, renamed into place and its
/// folder fsynced.</item>
/// <item><see cref="DurabilityMode.GroupCommit"/>: the same flushes, shared by instances finished together.</item>
/// </list>
/// A failure or an abort before success removes the temporary file, so the folder holds whole
/// instances only. A second instance with the same UID replaces the first atomically.
/// </summary>
public sealed class FileSystemInstanceStore : IDicomStoreHandler, IAsyncDisposable
{
    private const string Extension = ".dcm";
    private readonly FileSystemInstanceStoreOptions _options;
    private readonly IDicomNetworkLog _log;
    private readonly string _incoming;
    private readonly GroupCommitter? _committer;
    private readonly InstanceJournal? _journal;

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
        }
    }

    public string RootDirectory { get; }

    public InstanceStoreStatistics Statistics { get; } = new();

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
            // Too big for the journal: streamed to its own file, whose flushes its size amortises; memory stays bounded.
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
        var temporary = PartialInstanceFile.NewTemporaryPath(_incoming);
        try
        {
            using (var file = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
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

    /// <summary>Rewrites, durably, an instance whose journal record survived a crash that its file may not have.</summary>
    private void Restore(string name, ReadOnlyMemory<byte> part10)
    {
        // The name comes from disk: only a plain "<valid UID>.dcm" may become a path.
        var uid = name.EndsWith(Extension, StringComparison.Ordinal) ? name.Substring(0, name.Length - Extension.Length) : null;
        if (uid is null || !DicomUid.IsValid(uid))
        {
            _log.Write(DicomLogLevel.Error, "A journal record names no valid instance file; it is not replayed.");
            return;
        }

        WriteFile(PathFor(uid), [part10], durable: true);
    }
}
