using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mth.Query.Web;

/// <summary>
/// The clinicians' web page (Web/Assets: one HTML file, one script, one style sheet), served from resources embedded
/// in this assembly so that it works in any host that maps the query service, at <c>/ui/</c> (and <c>/</c> redirects
/// there). The page needs no key to load (it holds no data); it asks for the API key and calls /v1 with it. A strict
/// Content-Security-Policy allows only this origin's script, style, fetches and blob: thumbnails.
/// </summary>
internal static class WebPage
{
    public const string BasePath = "/ui/";

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Name, string Route, string ContentType)[] Assets =
    [
        ("index.html", BasePath, "text/html; charset=utf-8"),
        ("app.js", BasePath + "app.js", "text/javascript; charset=utf-8"),
        ("app.css", BasePath + "app.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").ExcludeFromDescription().AllowAnonymous();
        foreach (var (name, route, contentType) in Assets)
        {
            var content = Read(name);
            var entityTag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"";
            group.MapGet(route, (HttpContext context) => route == BasePath && !context.Request.Path.Value!.EndsWith('/')
                ? Home(context) // routing matches /ui for /ui/ too; the page's relative links need the slash
                : Serve(context, content, contentType, entityTag));
        }

        group.MapGet("/", Home);
    }

    /// <summary>A redirect to the page that keeps a path base (a host mounted under a prefix behind a proxy).</summary>
    private static IResult Home(HttpContext context) => TypedResults.Redirect(context.Request.PathBase.Add(BasePath).Value!);

    private static IResult Serve(HttpContext context, byte[] content, string contentType, string entityTag)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = entityTag;
        if (context.Request.Headers.IfNoneMatch.Any(tag => string.Equals(tag, entityTag, StringComparison.Ordinal)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(content, contentType);
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(WebPage).Assembly.GetManifestResourceStream($"Mth.Query.Web.{name}")
            ?? throw new InvalidOperationException($"The web page asset {name} is not embedded in {typeof(WebPage).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
