using Mth.Dicom.IO;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage;

/// <summary>
/// An instance being received: a Part 10 file under a temporary name in a store's incoming
/// folder (file meta first, then the data set bytes exactly as they arrive), deleted unless it
/// is moved away. Stores that name and flush instances their own way share this part.
/// </summary>
public sealed class PartialInstanceFile : IAsyncDisposable
{
    /// <summary>The folder, under a store's root, where instances are written before they are complete.</summary>
    public const string IncomingFolderName = ".incoming";

    private const string PartialSuffix = ".part";

    private readonly FileStream _file;
    private readonly IDicomNetworkLog _log;

    private PartialInstanceFile(string path, FileStream file, IDicomNetworkLog log)
    {
        Path = path;
        _file = file;
        _log = log;
    }

    public string Path { get; }

    /// <summary>Bytes written: file meta and data set.</summary>
    public long Length => _file.Length;

    /// <summary>Creates a new partial file in <paramref name="incomingFolder"/>.</summary>
    public static PartialInstanceFile Create(string incomingFolder, IDicomNetworkLog? log = null)
    {
        var path = NewTemporaryPath(incomingFolder);
        // No FileStream buffer: the data set is gathered into large blocks and written as they fill.
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        return new PartialInstanceFile(path, file, log ?? NullDicomNetworkLog.Instance);
    }

    /// <summary>Partial files left by a crash are never instances: a store removes them at start.</summary>
    public static void RemoveLeftovers(string incomingFolder, IDicomNetworkLog? log = null)
    {
        foreach (var leftover in Directory.EnumerateFiles(incomingFolder, "*" + PartialSuffix))
        {
            log?.Write(DicomLogLevel.Warning, $"Removing a partial instance left by an earlier run: {System.IO.Path.GetFileName(leftover)}");
            TryDelete(leftover, log ?? NullDicomNetworkLog.Instance);
        }
    }

    /// <summary>
    /// Writes the file meta and then the data set to its end, and returns what validation learned:
    /// the SCP's streaming validation when <paramref name="dataSet"/> is a
    /// <see cref="ValidatingDataSetStream"/>; otherwise the written bytes are validated when
    /// <paramref name="summaryRequired"/> is set or the data set is deflated (which streaming
    /// validation cannot check), and null is returned when neither holds.
    /// </summary>
    /// <exception cref="DataSetRejectedException">The data set is malformed or is not the instance the command names.</exception>
    public async Task<DicomDataSetSummary?> WriteAsync(DicomStoreRequest request, Stream dataSet, int bufferSize, DicomReaderOptions readerOptions,
        bool summaryRequired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataSet);
        var meta = new DicomFileMetaInformation(request.SopClassUid, request.SopInstanceUid, request.TransferSyntax)
        {
            SourceApplicationEntityTitle = request.Association.CallingAeTitle,
        };
        await meta.WriteToAsync(_file, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[bufferSize];
        while (true)
        {
            // ReadAtLeast returns short only after the stream reported its end (which, validated, means a whole data set).
            var filled = await dataSet.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (filled > 0)
            {
                await _file.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }

            if (filled < buffer.Length)
            {
                break;
            }
        }

        if (dataSet is ValidatingDataSetStream { Summary: { } streamed })
        {
            return streamed;
        }

        if (!request.TransferSyntax.IsDeflated && !summaryRequired)
        {
            return null;
        }

        // The SCP could not check this data set while it streamed (deflated, or validation off): check what was written.
        _file.Position = meta.EncodedLength;
        return await ValidateReceivedAsync(_file, request, readerOptions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks a received data set that the SCP could not validate as it streamed: well-formed, and the instance the command names.</summary>
    /// <exception cref="DataSetRejectedException">It is not.</exception>
    internal static async Task<DicomDataSetSummary> ValidateReceivedAsync(Stream dataSet, DicomStoreRequest request, DicomReaderOptions readerOptions,
        CancellationToken cancellationToken)
    {
        DicomDataSetSummary summary;
        try
        {
            summary = await DicomDataSetValidator.ValidateAsync(dataSet, request.TransferSyntax, readerOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (DicomFormatException ex)
        {
            throw new DataSetRejectedException(DimseStatus.CannotUnderstand.WithComment("Data set is not well-formed DICOM"),
                "The data set is not well-formed: " + ex.Message, ex);
        }

        ValidatingDataSetStream.CheckIdentity(summary, request.SopClassUid, request.SopInstanceUid);
        return summary;
    }

    /// <summary>A new temporary file name in <paramref name="incomingFolder"/>, removed at start by <see cref="RemoveLeftovers"/> if a crash leaves it.</summary>
    internal static string NewTemporaryPath(string incomingFolder) => System.IO.Path.Combine(incomingFolder, Guid.NewGuid().ToString("N") + PartialSuffix);

    /// <summary>fsync: the bytes written are on disk (the name is not, until its folder is flushed or it is moved and that folder flushed).</summary>
    public void FlushToDisk() => _file.Flush(flushToDisk: true);

    /// <summary>Closes the file; it keeps its temporary name until moved.</summary>
    public ValueTask CloseAsync() => _file.DisposeAsync();

    /// <summary>Closes the file and moves it to <paramref name="finalPath"/>, replacing what is there atomically.</summary>
    public async Task MoveToAsync(string finalPath)
    {
        await CloseAsync().ConfigureAwait(false);
        File.Move(Path, finalPath, overwrite: true);
    }

    /// <summary>Closes the file and deletes its temporary name if it is still there (a file moved into place is not).</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        if (File.Exists(Path))
        {
            TryDelete(Path, _log);
        }
    }

    internal static void TryDelete(string path, IDicomNetworkLog log)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Write(DicomLogLevel.Error, $"Could not remove the partial file {System.IO.Path.GetFileName(path)}: {ex.Message}");
        }
    }
}
