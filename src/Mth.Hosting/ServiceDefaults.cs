using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Formatting.Compact;

namespace Mth.Hosting;

/// <summary>
/// What every MTH service does the same way at start: Serilog with one JSON object per line
/// on stdout (no patient names or IDs, see <see cref="PhiScrubber"/>), health checks with a
/// liveness and a readiness endpoint, and options validated at start.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>Health checks with this tag must pass before the service is ready for traffic.</summary>
    public const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddMthServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);

        builder.Services.AddSerilog((services, logger) => logger
            // ASP.NET Core's per-request lines carry request paths (UIDs) and cost CPU on every query;
            // configuration (Serilog:MinimumLevel:Override) can turn them back on.
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Service", serviceName)
            .Enrich.With(new PhiScrubber())
            .WriteTo.Console(new CompactJsonFormatter()));

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        return builder;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to a configuration section, validates its data annotations, and fails the start when they do not hold.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddOptions<TOptions>()
            .BindConfiguration(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }

    /// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (its dependencies answer).</summary>
    public static IEndpointRouteBuilder MapMthHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) || check.Tags.Contains("live") });
        return endpoints;
    }
}
