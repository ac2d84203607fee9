using Mth.Dicom.IO;
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
    private const string IncomingFolder = ".incoming";
    private const string PartialSuffix = ".part";

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
        _incoming = Path.Combine(RootDirectory, IncomingFolder);
        var created = !Directory.Exists(RootDirectory);
        Directory.CreateDirectory(_incoming);
        if (created && Path.GetDirectoryName(RootDirectory) is { } parent)
        {
            FileSystemSync.FlushDirectory(parent);
        }

        FileSystemSync.FlushDirectory(RootDirectory);
        RemoveLeftovers();
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
        var meta = new DicomFileMetaInformation(request.SopClassUid, request.SopInstanceUid, request.TransferSyntax)
        {
            SourceApplicationEntityTitle = request.Association.CallingAeTitle,
        };
        var temporaryPath = Path.Combine(_incoming, Guid.NewGuid().ToString("N") + PartialSuffix);
        try
        {
            await WriteAsync(temporaryPath, meta, request, dataSet, cancellationToken).ConfigureAwait(false);
            if (_committer is not null)
            {
                await _committer.CommitAsync(temporaryPath, finalPath).ConfigureAwait(false);
            }
            else
            {
                File.Move(temporaryPath, finalPath, overwrite: true);
                FileSystemSync.FlushDirectory(RootDirectory);
            }

            return DimseStatus.Success;
        }
        catch
        {
            TryDelete(temporaryPath);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_committer is not null)
        {
            await _committer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(string path, DicomFileMetaInformation meta, DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
    {
        // No FileStream buffer: the data set is gathered into large blocks here and written as they fill.
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        await meta.WriteToAsync(file, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[_options.WriteBufferSize];
        while (true)
        {
            // ReadAtLeast returns short only after the stream reported its end (which, validated, means a whole data set).
            var filled = await dataSet.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (filled > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }

            if (filled < buffer.Length)
            {
                break;
            }
        }

        if (request.TransferSyntax.IsDeflated)
        {
            // The SCP cannot check a deflated data set while it streams; check what was written.
            file.Position = meta.EncodedLength;
            DicomDataSetSummary summary;
            try
            {
                summary = await DicomDataSetValidator.ValidateAsync(file, request.TransferSyntax, _options.ReaderOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (DicomFormatException ex)
            {
                throw new DataSetRejectedException(DimseStatus.CannotUnderstand.WithComment("Data set is not well-formed DICOM"),
                    "The deflated data set is not well-formed: " + ex.Message, ex);
            }

            ValidatingDataSetStream.CheckIdentity(summary, request.SopClassUid, request.SopInstanceUid);
        }

        if (_committer is null)
        {
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Partial files left by a crash are never instances: remove them at start.</summary>
    private void RemoveLeftovers()
    {
        foreach (var leftover in Directory.EnumerateFiles(_incoming, "*" + PartialSuffix))
        {
            _log.Write(DicomLogLevel.Warning, $"Removing a partial instance left by an earlier run: {Path.GetFileName(leftover)}");
            TryDelete(leftover);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Write(DicomLogLevel.Error, $"Could not remove the partial file {Path.GetFileName(path)}: {ex.Message}");
        }
    }
}
