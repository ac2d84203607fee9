using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Mth.Core.Instances;
using Mth.Query.Search;
using Mth.Query.Thumbnails;

namespace Mth.Query.Api;

/// <summary>
/// What is stored, for choosing a query on the web page: recently stored studies, a study's instances, an instance's
/// thumbnail (docs/query.md). Mapped into the authenticated /v1 group.
/// </summary>
internal static class CatalogEndpoints
{
    public const int DefaultStudyLimit = 20;
    public const int DefaultInstanceLimit = 200;
    public const int MaxInstanceLimit = 5000;

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/studies", ListStudiesAsync)
            .WithName("ListStudies")
            .WithTags("catalog")
            .WithSummary("Recently stored studies")
            .WithDescription($"At most limit (1 to {InstanceRecords.MaxStudyListLimit}, default {DefaultStudyLimit}) studies from the instance catalog, the one whose instances were stored last first, with their instance and series counts and modalities.");

        v1.MapGet("/studies/{studyInstanceUid}/instances", ListStudyInstancesAsync)
            .WithName("ListStudyInstances")
            .WithTags("catalog")
            .WithSummary("The instances of a stored study")
            .WithDescription($"The study's instances from the instance catalog by SOP Instance UID, at most limit (1 to {MaxInstanceLimit}, default {DefaultInstanceLimit}); total says how many there are.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        v1.MapGet("/instances/{sopInstanceUid}/thumbnail", ThumbnailAsync)
            .WithName("InstanceThumbnail")
            .WithTags("catalog")
            .WithSummary("A PNG thumbnail of a stored instance")
            .WithDescription($"The stored DICOM instance rendered (middle frame, its own window else min/max) with its longer side scaled to size pixels ({InstanceThumbnails.MinSize} to {InstanceThumbnails.MaxSize}, default {InstanceThumbnails.DefaultSize}; smaller images are not enlarged). Cacheable by the client (ETag, private).")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "image/png")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<Ok<StudyListResponse>> ListStudiesAsync(string? limit, InstanceRecordCache records, CancellationToken cancellationToken)
    {
        var count = QueryArguments.Bounded(limit, "limit", DefaultStudyLimit, InstanceRecords.MaxStudyListLimit);
        var studies = await records.Catalog.ListRecentStudiesAsync(count, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new StudyListResponse(studies.Select(s => new StudyListItem(s.StudyInstanceUid, s.InstanceCount, s.SeriesCount, s.Modalities)).ToList()));
    }

    private static async Task<Ok<StudyInstancesResponse>> ListStudyInstancesAsync(
        string studyInstanceUid, string? limit, InstanceRecordCache records, CancellationToken cancellationToken)
    {
        QueryArguments.Uid(studyInstanceUid, "Study Instance UID");
        var count = QueryArguments.Bounded(limit, "limit", DefaultInstanceLimit, MaxInstanceLimit);
        var members = await records.Catalog.GetStudyInstancesAsync(studyInstanceUid, cancellationToken).ConfigureAwait(false);
        if (members.Count == 0)
        {
            throw QueryProblemException.NotFound($"Study {studyInstanceUid} has no instances in the instance catalog.");
        }

        var page = members.Take(count).ToList();
        var found = await records.GetManyAsync(page, cancellationToken).ConfigureAwait(false);
        var instances = page.Where(found.ContainsKey)
            .Select(uid => new StudyInstanceItem(uid, found[uid].SeriesInstanceUid, found[uid].Modality))
            .ToList();
        return TypedResults.Ok(new StudyInstancesResponse(studyInstanceUid, members.Count, instances));
    }

    private static async Task<IResult> ThumbnailAsync(
        string sopInstanceUid, string? size, HttpContext context, InstanceThumbnails thumbnails, CancellationToken cancellationToken)
    {
        var pixels = QueryArguments.Bounded(size, "size", InstanceThumbnails.DefaultSize, InstanceThumbnails.MaxSize, InstanceThumbnails.MinSize);
        var (path, entityTag, lastModified) = await thumbnails.LocateAsync(sopInstanceUid, pixels, cancellationToken).ConfigureAwait(false);
        var response = context.Response;
        // Private: the image belongs to a patient and is only for the key holder's browser, never a shared cache.
        response.Headers.CacheControl = "private, max-age=3600";
        response.Headers.ETag = entityTag;
        response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch.Any(tag => string.Equals(tag, entityTag, StringComparison.Ordinal)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var thumbnail = await thumbnails.RenderAsync(path, entityTag, lastModified, pixels, cancellationToken).ConfigureAwait(false);
        response.Headers.LastModified = HeaderUtilities.FormatDate(thumbnail.LastModified);
        return TypedResults.Bytes(thumbnail.Png, "image/png");
    }
}
