using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage;

/// <summary>
/// A store handler that keeps each received instance as a Part 10 file named by its validated
/// SOP Instance UID. The file is written under a temporary name, made durable, then renamed into
/// place and its directory entry made durable; only then is success returned. A failure or an
/// abort at any point removes the temporary file, so the folder holds whole instances only.
/// A second instance with the same UID replaces the first atomically.
/// </summary>
public sealed class FileSystemInstanceStore : IDicomStoreHandler, IAsyncDisposable
{
    private readonly FileSystemInstanceStoreOptions _options;
    private readonly IDicomNetworkLog _log;
    private readonly string _incoming;
    private readonly GroupCommitter? _committer;

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
    }

    public string RootDirectory { get; }

    /// <summary>Where an instance is stored: derived from the UID alone, after validating it.</summary>
    public string PathFor(string sopInstanceUid) => Path.Combine(RootDirectory, DicomUid.Validate(sopInstanceUid, "SOP Instance UID") + ".dcm");

    public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataSet);
        var finalPath = PathFor(request.SopInstanceUid);
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

        return DimseStatus.Success;
    }

    public async ValueTask DisposeAsync()
    {
        if (_committer is not null)
        {
            await _committer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
