using System.IO.Compression;
using Mth.Dicom.Data;

namespace Mth.Dicom.IO;

/// <summary>
/// A DICOM Part 10 file (PS3.10 7) or a bare data set, opened for reading. Element headers
/// and small values are read when opening; large values (pixel data, big private blobs) stay
/// in the file and are read on demand, so the file stays open until this object is disposed.
/// </summary>
/// <remarks>
/// Deflated data sets are inflated into a temporary file (deleted on dispose, bounded by
/// <see cref="DicomReaderOptions.MaxInflatedLength"/>); input that cannot seek is first
/// copied to one. Without file meta the transfer syntax is guessed
/// (<see cref="DicomTransferSyntaxDetector"/>).
/// </remarks>
public sealed class DicomFile : IDisposable
{
    private readonly DicomByteSource? _source;

    private DicomFile(DicomFileMetaInformation? meta, TransferSyntax transferSyntax, DicomDataSet dataSet, DicomByteSource? source)
    {
        Meta = meta;
        TransferSyntax = transferSyntax;
        DataSet = dataSet;
        _source = source;
    }

    /// <summary>The file meta information; null for a bare data set.</summary>
    public DicomFileMetaInformation? Meta { get; }

    /// <summary>The transfer syntax the data set was encoded in (from the file meta, or guessed).</summary>
    public TransferSyntax TransferSyntax { get; }

    /// <summary>True when the file had no file meta and the transfer syntax was guessed.</summary>
    public bool IsBareDataSet => Meta is null;

    public DicomDataSet DataSet { get; }

    /// <summary>Creates a file around a data set built in memory (to be saved).</summary>
    public static DicomFile Create(DicomDataSet dataSet, TransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        return new DicomFile(null, transferSyntax, dataSet, null);
    }

    /// <exception cref="DicomFormatException">The file is not a well-formed DICOM file or data set.</exception>
    public static DicomFile Open(string path, DicomReaderOptions? options = null)
    {
        var task = OpenAsync(path, options, useAsync: false, CancellationToken.None);
        return task.IsCompleted ? task.GetAwaiter().GetResult() : throw new InvalidOperationException("Synchronous open did not complete synchronously.");
    }

    /// <inheritdoc cref="Open(string, DicomReaderOptions?)"/>
    public static Task<DicomFile> OpenAsync(string path, DicomReaderOptions? options = null, CancellationToken cancellationToken = default) =>
        OpenAsync(path, options, useAsync: true, cancellationToken).AsTask();

    /// <summary>Reads a file or bare data set from a stream (from its position); the stream is owned unless <paramref name="leaveOpen"/>.</summary>
    public static DicomFile Open(Stream stream, DicomReaderOptions? options = null, bool leaveOpen = false)
    {
        var task = OpenAsync(stream, options ?? DicomReaderOptions.Default, leaveOpen, useAsync: false, CancellationToken.None);
        return task.IsCompleted ? task.GetAwaiter().GetResult() : throw new InvalidOperationException("Synchronous open did not complete synchronously.");
    }

    /// <inheritdoc cref="Open(Stream, DicomReaderOptions?, bool)"/>
    public static Task<DicomFile> OpenAsync(Stream stream, DicomReaderOptions? options = null, bool leaveOpen = false, CancellationToken cancellationToken = default) =>
        OpenAsync(stream, options ?? DicomReaderOptions.Default, leaveOpen, useAsync: true, cancellationToken).AsTask();

    /// <summary>Writes the file (file meta + data set) in its transfer syntax or another uncompressed one.</summary>
    public void Save(string path, TransferSyntax? transferSyntax = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = TemporarySibling(path);
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Save(file, transferSyntax);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public void Save(Stream stream, TransferSyntax? transferSyntax = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var target = CheckTarget(transferSyntax);
        CreateMeta(target).WriteTo(stream);
        DicomDataSetWriter.Write(stream, DataSet, target);
    }

    public async Task SaveAsync(string path, TransferSyntax? transferSyntax = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = TemporarySibling(path);
        try
        {
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await SaveAsync(file, transferSyntax, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public async Task SaveAsync(Stream stream, TransferSyntax? transferSyntax = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var target = CheckTarget(transferSyntax);
        await CreateMeta(target).WriteToAsync(stream, cancellationToken).ConfigureAwait(false);
        await DicomDataSetWriter.WriteAsync(stream, DataSet, target, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _source?.Dispose();

    private static async ValueTask<DicomFile> OpenAsync(string path, DicomReaderOptions? options, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Our reader buffers itself: no FileStream buffer.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync);
        return await OpenAsync(stream, options ?? DicomReaderOptions.Default, leaveOpen: false, useAsync, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<DicomFile> OpenAsync(Stream stream, DicomReaderOptions options, bool leaveOpen, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var owned = new List<IDisposable>();
        if (!leaveOpen)
        {
            owned.Add(stream);
        }

        try
        {
            if (!stream.CanSeek)
            {
                var copy = CreateTemporary(options);
                owned.Add(copy);
                await CopyBoundedAsync(stream, copy, long.MaxValue, useAsync, cancellationToken).ConfigureAwait(false);
                copy.Position = 0;
                stream = copy;
            }

            var meta = DicomFileMetaInformation.Read(stream);
            var encoded = meta?.TransferSyntax ?? Guess(stream);
            var parseAs = encoded;
            if (encoded.IsDeflated)
            {
                var inflated = CreateTemporary(options);
                owned.Add(inflated);
                using (var inflater = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true))
                {
                    await CopyBoundedAsync(inflater, inflated, options.MaxInflatedLength, useAsync, cancellationToken).ConfigureAwait(false);
                }

                inflated.Position = 0;
                stream = inflated;
                parseAs = TransferSyntax.ExplicitVRLittleEndian;
            }

            var source = DicomByteSource.For(stream, owns: false);
            DicomDataSet dataSet;
            using (var reader = new DicomDataSetReader(stream, parseAs, options))
            {
                try
                {
                    dataSet = await DicomDataSetLoader.LoadAsync(reader, source, 0, useAsync, cancellationToken).ConfigureAwait(false);
                }
                catch (DicomFormatException e) when (meta is null)
                {
                    throw new DicomFormatException($"No file meta information, and the data read as {encoded.Name} (guessed from its first bytes) is not a well-formed data set: {e.Message}", e);
                }
            }

            return new DicomFile(meta, encoded, dataSet, new OwningSource(source, owned));
        }
        catch (InvalidDataException e)
        {
            DisposeAll(owned);
            throw new DicomFormatException("The deflated data set is not valid deflate data: " + e.Message, e);
        }
        catch
        {
            DisposeAll(owned);
            throw;
        }
    }

    private static TransferSyntax Guess(Stream stream)
    {
        var start = stream.Position;
        Span<byte> head = stackalloc byte[8];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        if (read == 0)
        {
            throw new DicomFormatException("The file is empty");
        }

        return DicomTransferSyntaxDetector.Detect(head[..read])
            ?? throw new DicomFormatException("Not a DICOM file: no \"DICM\" prefix and the first bytes are not a data element", start);
    }

    private static FileStream CreateTemporary(DicomReaderOptions options)
    {
        var directory = options.TemporaryDirectory ?? Path.GetTempPath();
        var path = Path.Combine(directory, "mth-dicom-" + Guid.NewGuid().ToString("N") + ".tmp");
        return new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
    }

    private static async ValueTask CopyBoundedAsync(Stream source, Stream destination, long maxLength, bool useAsync, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        while (true)
        {
            var read = useAsync ? await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) : source.Read(buffer);
            if (read == 0)
            {
                return;
            }

            total += read;
            if (total > maxLength)
            {
                throw new DicomFormatException($"The deflated data set inflates to more than {maxLength} bytes");
            }

            if (useAsync)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                destination.Write(buffer, 0, read);
            }
        }
    }

    private static void DisposeAll(List<IDisposable> owned)
    {
        foreach (var disposable in owned)
        {
            disposable.Dispose();
        }
    }

    private TransferSyntax CheckTarget(TransferSyntax? requested)
    {
        var target = requested ?? TransferSyntax;
        if (!target.Equals(TransferSyntax) && (target.IsEncapsulated || TransferSyntax.IsEncapsulated))
        {
            throw new DicomException($"Cannot write a data set read in {TransferSyntax.Name} as {target.Name}: transcoding compressed pixel data is not supported.");
        }

        return target;
    }

    private DicomFileMetaInformation CreateMeta(TransferSyntax transferSyntax)
    {
        var sopClass = DataSet.GetString(DicomTag.SOPClassUID) ?? Meta?.MediaStorageSopClassUid;
        var sopInstance = DataSet.GetString(DicomTag.SOPInstanceUID) ?? Meta?.MediaStorageSopInstanceUid;
        try
        {
            return new DicomFileMetaInformation(sopClass!, sopInstance!, transferSyntax)
            {
                SourceApplicationEntityTitle = Meta?.SourceApplicationEntityTitle,
            };
        }
        catch (FormatException e)
        {
            throw new DicomException("Cannot write file meta information: " + e.Message, e);
        }
    }

    private static string TemporarySibling(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");

    /// <summary>The value source plus the streams (input, temporary copies) it depends on.</summary>
    private sealed class OwningSource(DicomByteSource source, List<IDisposable> owned) : DicomByteSource
    {
        public override void Read(long offset, Span<byte> destination) => source.Read(offset, destination);

        public override void Dispose()
        {
            source.Dispose();
            DisposeAll(owned);
        }
    }
}
