using Microsoft.Extensions.Options;
using Mth.Dicom;
using Mth.Dicom.Imaging;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Storage;
using Mth.Hosting.Storage;
using Mth.Imaging;
using Mth.Query.Api;
using Mth.Query.Search;

namespace Mth.Query.Thumbnails;

/// <summary>A rendered thumbnail: PNG bytes and the validator of the file it came from.</summary>
internal sealed record Thumbnail(byte[] Png, string EntityTag, DateTimeOffset LastModified);

/// <summary>
/// Thumbnails of stored instances for the web page: the instance's record (instance catalog) names its file in the
/// instance store; the file is rendered with Mth.Dicom's renderer (middle frame, the data set's own window, else
/// min/max) and scaled so that its longer side is the requested size (aspect ratio kept), then written as PNG.
/// The storage key is resolved only through <see cref="InstanceStorageKey"/> (Study/Series/Sop.dcm of valid UIDs),
/// so nothing outside the store's root is ever opened. Renders run at most <see cref="QueryOptions.MaxConcurrentEncodings"/>
/// at a time (rendering is CPU work like encoding).
/// </summary>
internal sealed class InstanceThumbnails : IDisposable
{
    public const int MinSize = 16;
    public const int MaxSize = 512;
    public const int DefaultSize = 128;

    private readonly InstanceRecordCache _records;
    private readonly string _root;
    private readonly SemaphoreSlim _renders;

    public InstanceThumbnails(InstanceRecordCache records, IOptions<InstanceStoreOptions> store, IOptions<QueryOptions> options)
    {
        _records = records;
        _root = Path.GetFullPath(store.Value.Root);
        _renders = new SemaphoreSlim(options.Value.MaxConcurrentEncodings, options.Value.MaxConcurrentEncodings);
    }

    /// <summary>
    /// The file's validator without rendering (so that a client's cached copy is confirmed cheaply), and the file.
    /// Throws <see cref="QueryProblemException"/> 404 when the catalog or the store does not have the instance.
    /// </summary>
    public async Task<(string Path, string EntityTag, DateTimeOffset LastModified)> LocateAsync(string sopInstanceUid, int size, CancellationToken cancellationToken)
    {
        QueryArguments.Uid(sopInstanceUid, "SOP Instance UID");
        var records = await _records.GetManyAsync([sopInstanceUid], cancellationToken).ConfigureAwait(false);
        if (!records.TryGetValue(sopInstanceUid, out var record))
        {
            throw QueryProblemException.NotFound($"Instance {sopInstanceUid} is not in the instance catalog.");
        }

        var file = InstanceStorageKey.TryResolve(_root, record.StorageKey, out var path) ? new FileInfo(path) : null;
        if (file is null || !file.Exists)
        {
            throw QueryProblemException.NotFound($"The file of instance {sopInstanceUid} is not in the instance store.");
        }

        var modified = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero);
        return (file.FullName, $"\"{size}-{file.Length:x}-{modified.UtcTicks:x}\"", modified);
    }

    /// <summary>Renders the located file. Throws <see cref="QueryProblemException"/> 422 for an instance that has no renderable image.</summary>
    public async Task<Thumbnail> RenderAsync(string path, string entityTag, DateTimeOffset lastModified, int size, CancellationToken cancellationToken)
    {
        await _renders.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DicomFile file;
            try
            {
                file = await DicomFile.OpenAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                throw QueryProblemException.NotFound("The instance's file left the instance store.");
            }

            var image = Scale(Render(file), size);
            using var png = new MemoryStream();
            PngEncoder.Write(png, image);
            return new Thumbnail(png.ToArray(), entityTag, lastModified);
        }
        catch (DicomException e)
        {
            throw QueryProblemException.Unprocessable($"The instance has no image that can be shown: {e.Message}");
        }
        finally
        {
            _renders.Release();
        }
    }

    private static FloatImage Render(DicomFile file) => DicomImageRenderer.Render(file).Image;

    /// <summary>The longer side becomes <paramref name="size"/>; images already smaller are not enlarged.</summary>
    private static FloatImage Scale(FloatImage image, int size)
    {
        var longer = Math.Max(image.Width, image.Height);
        if (longer <= size)
        {
            return image;
        }

        var width = Math.Max(1, (int)Math.Round((double)image.Width * size / longer));
        var height = Math.Max(1, (int)Math.Round((double)image.Height * size / longer));
        return ImageResampler.Resize(image, width, height);
    }

    public void Dispose() => _renders.Dispose();
}
