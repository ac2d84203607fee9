using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mth.Query.Authentication;
using Mth.Query.Search;

namespace Mth.Query.Api;

/// <summary>The /v1 endpoints (docs/query.md).</summary>
internal static class QueryEndpoints
{
    public static RouteGroupBuilder MapV1(IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<QueryOptions>>().Value;
        var v1 = endpoints.MapGroup("/v1")
            .AddEndpointFilter<ProblemEndpointFilter>()
            .WithTags("similar")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        if (options.RequireApiKey)
        {
            v1.RequireAuthorization(ApiKeyAuthenticationHandler.PolicyName).ProducesProblem(StatusCodes.Status401Unauthorized);
        }

        v1.MapGet("/instances/{sopInstanceUid}/similar", SimilarToInstanceAsync)
            .WithName("SimilarToInstance")
            .WithSummary("Instances similar to a stored instance")
            .WithDescription("The k nearest instances to the stored code of the instance in the active version, the instance itself left out.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        v1.MapGet("/studies/{studyInstanceUid}/similar", SimilarToStudyAsync)
            .WithName("SimilarToStudy")
            .WithSummary("Studies similar to a stored study")
            .WithDescription("Other studies ranked by their best match (smallest distance between any of their instances and any instance of the study); the study's own instances are left out.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        v1.MapPost("/similar", SimilarToUploadAsync)
            .WithName("SimilarToUpload")
            .WithSummary("Instances or studies similar to an uploaded image")
            .WithDescription("Upload DICOM Part 10, PNG or JPEG as multipart/form-data (part \"file\") or as a raw body (Content-Type application/dicom, image/png, image/jpeg or application/octet-stream). The image is encoded with the active model.")
            .WithMetadata(new QueryOpenApi.UploadBody())
            .WithMetadata(new UploadSizeLimit(options.MaxUploadBytes + UploadReader.MultipartOverhead))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        CatalogEndpoints.Map(v1);

        // Unknown paths (404) and wrong methods (405) get their problem details from the status code pages.
        return v1;
    }

    private static async Task<Ok<SimilarResponse>> SimilarToInstanceAsync(
        string sopInstanceUid, string? k, SimilaritySearch search, IOptions<QueryOptions> options, CancellationToken cancellationToken) =>
        TypedResults.Ok(await search.ByInstanceAsync(sopInstanceUid, ParseK(k, options.Value), cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<SimilarResponse>> SimilarToStudyAsync(
        string studyInstanceUid, string? k, SimilaritySearch search, IOptions<QueryOptions> options, CancellationToken cancellationToken) =>
        TypedResults.Ok(await search.ByStudyAsync(studyInstanceUid, ParseK(k, options.Value), cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<SimilarResponse>> SimilarToUploadAsync(
        HttpRequest request, string? k, string? level, SimilaritySearch search, IOptions<QueryOptions> options, CancellationToken cancellationToken)
    {
        var count = ParseK(k, options.Value);
        var searchLevel = level switch
        {
            null or "" or "instance" => SearchLevel.Instance,
            "study" => SearchLevel.Study,
            _ => throw QueryProblemException.InvalidArgument("level must be \"instance\" or \"study\"."),
        };
        var file = await UploadReader.ReadAsync(request, options.Value.MaxUploadBytes, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await search.ByImageAsync(file, count, searchLevel, cancellationToken).ConfigureAwait(false));
    }

    private static int ParseK(string? k, QueryOptions options) => QueryArguments.Bounded(k, "k", options.DefaultK, options.MaxK);

    /// <summary>Kestrel's body limit for the upload endpoint (the service's own check gives the precise 413).</summary>
    private sealed class UploadSizeLimit(long maxRequestBodySize) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize { get; } = maxRequestBodySize;
    }
}
