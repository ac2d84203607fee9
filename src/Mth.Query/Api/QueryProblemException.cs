using Microsoft.AspNetCore.Http;

namespace Mth.Query.Api;

/// <summary>
/// A request the service cannot answer, with the HTTP status and the RFC 7807 fields to say why. Thrown by the
/// search layer, turned into a problem details response by <see cref="ProblemEndpointFilter"/>.
/// </summary>
public sealed class QueryProblemException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public static QueryProblemException InvalidArgument(string detail) => new(StatusCodes.Status400BadRequest, "Invalid request", detail);

    public static QueryProblemException NotFound(string detail) => new(StatusCodes.Status404NotFound, "Not found", detail);

    public static QueryProblemException NoActiveModel() => new(StatusCodes.Status503ServiceUnavailable, "No active model",
        "No model is active or loaded yet; searches are possible once an index version is active and its model is loaded.");

    public static QueryProblemException UnsupportedMedia(string detail) => new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);

    public static QueryProblemException TooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, "Upload too large",
        $"The upload exceeds the limit of {limit} bytes (Query:MaxUploadBytes).");

    public static QueryProblemException Unprocessable(string detail) => new(StatusCodes.Status422UnprocessableEntity, "Image cannot be used", detail);
}
