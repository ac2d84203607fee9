using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Mth.Encoding.Images;
using Mth.Hosting;
using Mth.Query.ActiveModel;
using Mth.Hosting.Models;
using Mth.Hosting.Storage;
using Mth.Query.Api;
using Mth.Query.Authentication;
using Mth.Query.Health;
using Mth.Query.Search;
using Mth.Query.Thumbnails;
using Mth.Query.Web;

namespace Mth.Query;

/// <summary>
/// Registers the query service in any host: its own process (Program.cs) or the all-in-one host beside Ingest and
/// Encoder. Needs an <see cref="Mth.Core.Indexing.IIndexCatalog"/> and an <see cref="Mth.Core.Instances.IInstanceCatalog"/>
/// from the host (<c>AddMthIndex()</c>); reads the sections <c>Query</c> and <c>Models</c>.
/// </summary>
public static class QueryServiceRegistration
{
    public static IHostApplicationBuilder AddMthQuery(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<QueryOptions>(QueryOptions.Section);
        services.AddValidatedOptions<ModelsOptions>(ModelsOptions.Section);
        services.AddValidatedOptions<InstanceStoreOptions>(InstanceStoreOptions.Section);

        services.AddSingleton<ActiveSearch>();
        services.AddSingleton<SearchGenerationLoader>();
        services.AddSingleton<ActiveVersionFollower>();
        services.AddHostedService(provider => provider.GetRequiredService<ActiveVersionFollower>());
        services.AddSingleton<InstanceRecordCache>();
        services.AddSingleton<SimilaritySearch>();
        services.AddSingleton<InstanceThumbnails>();
        services.TryAddSingleton(ImageDecoderChain.Default);

        services.AddProblemDetails();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, ProblemResponsesStartupFilter>());
        services.AddSingleton<ApiKeyValidator>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(ApiKeyAuthenticationHandler.PolicyName, policy => policy
            .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());
        services.AddOpenApi("v1", QueryOpenApi.Configure);

        services.AddHealthChecks().AddCheck<QueryReadinessCheck>("query", tags: [ServiceDefaults.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Maps /v1 (similar instances, studies, uploads; stored studies, instances, thumbnails), the OpenAPI document at
    /// /openapi/v1.json and the web page at /ui/ (/ redirects there).
    /// </summary>
    public static IEndpointRouteBuilder MapMthQuery(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapOpenApi("/openapi/{documentName}.json");
        QueryEndpoints.MapV1(endpoints);
        WebPage.Map(endpoints);
        return endpoints;
    }

    /// <summary>
    /// Every error answer is RFC 7807, also those no endpoint writes itself: an unhandled exception (500) and bodiless
    /// statuses such as 405. Added as a startup filter so that it wraps the whole pipeline whatever the host adds.
    /// </summary>
    private sealed class ProblemResponsesStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            next(app);
        };
    }
}
