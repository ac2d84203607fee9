using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Mth.Query.Api;

/// <summary>
/// Reads an uploaded image: a multipart/form-data request (the first part that carries a file, or the part
/// named "file"), or a raw body whose Content-Type is one of <see cref="RawContentTypes"/>. Bodies larger than
/// the limit are refused with 413 as soon as that is known (Content-Length, else while reading), without
/// keeping more than the limit in memory.
/// </summary>
internal static class UploadReader
{
    /// <summary>Content types accepted for a raw body (the format is then recognised by its signature).</summary>
    public static readonly string[] RawContentTypes = ["application/dicom", "image/png", "image/jpeg", "application/octet-stream"];

    /// <summary>Room for boundaries and part headers beyond the file itself in a multipart request.</summary>
    public const int MultipartOverhead = 64 * 1024;

    private const int HeadersLengthLimit = 16 * 1024;

    public static async Task<byte[]> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.MediaType.Value is not { } type)
        {
            throw QueryProblemException.UnsupportedMedia(
                $"Send the image as multipart/form-data or as a raw body with Content-Type {string.Join(", ", RawContentTypes)}.");
        }

        try
        {
            if (type.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                if (request.ContentLength > limit + MultipartOverhead)
                {
                    throw QueryProblemException.TooLarge(limit);
                }

                return await ReadMultipartAsync(request, mediaType, limit, cancellationToken).ConfigureAwait(false);
            }

            if (!RawContentTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
            {
                throw QueryProblemException.UnsupportedMedia(
                    $"Content-Type {type} is not accepted; send DICOM Part 10, PNG or JPEG as multipart/form-data or as {string.Join(", ", RawContentTypes)}.");
            }

            if (request.ContentLength > limit)
            {
                throw QueryProblemException.TooLarge(limit);
            }

            return await ReadLimitedAsync(request.Body, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            // Malformed multipart framing (MultipartReader).
            throw QueryProblemException.InvalidArgument($"The multipart body cannot be read: {e.Message}");
        }
    }

    private static async Task<byte[]> ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue mediaType, long limit, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            throw QueryProblemException.InvalidArgument("The multipart/form-data Content-Type has no valid boundary.");
        }

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = HeadersLengthLimit };
        while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && (disposition.FileName.HasValue || disposition.FileNameStar.HasValue
                    || string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal)))
            {
                return await ReadLimitedAsync(section.Body, limit, cancellationToken).ConfigureAwait(false);
            }
        }

        throw QueryProblemException.InvalidArgument("The multipart/form-data body has no file part (a part with a filename, or named \"file\").");
    }

    private static async Task<byte[]> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw QueryProblemException.TooLarge(limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (buffer.Length == 0)
        {
            throw QueryProblemException.InvalidArgument("The upload is empty.");
        }

        return buffer.ToArray();
    }
}
