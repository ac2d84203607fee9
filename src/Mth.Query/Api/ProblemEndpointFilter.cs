using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mth.Query.Api;

/// <summary>
/// Turns what the search layer reports into RFC 7807 responses: <see cref="QueryProblemException"/> with its
/// status, Kestrel's body limit as 413, an unreachable index as 503. A request the client abandoned ends
/// without a body. Anything else goes on to the exception handler (500, problem details, logged).
/// </summary>
internal sealed partial class ProblemEndpointFilter(ILogger<ProblemEndpointFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (QueryProblemException e)
        {
            return TypedResults.Problem(e.Message, statusCode: e.Status, title: e.Title);
        }
        catch (BadHttpRequestException e)
        {
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TypedResults.Problem("The request body exceeds the upload limit (Query:MaxUploadBytes).", statusCode: e.StatusCode, title: "Upload too large")
                : TypedResults.Problem(e.Message, statusCode: e.StatusCode, title: "Bad request");
        }
        catch (OperationCanceledException) when (context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The client is gone: nobody reads an answer. 499 in the access log, as nginx names it.
            context.HttpContext.Response.StatusCode = 499;
            return Results.Empty;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogIndexUnavailable(logger, e);
            return TypedResults.Problem("The index cannot be reached; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Index unavailable");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query: the index did not answer")]
    private static partial void LogIndexUnavailable(ILogger logger, Exception exception);
}
