using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
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

    /// <summary>Environment variable naming an optional JSON configuration file (MTH_CONFIG=/etc/mth/ingest.json).</summary>
    public const string ConfigFileVariable = "MTH_CONFIG";

    public static IHostApplicationBuilder AddMthServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        AddConfigurationFile(builder.Configuration);

        builder.Services.AddSerilog((services, logger) => logger
            // One line per HTTP request is noise for these services (health probes every few seconds); configuration can lower it again.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Service", serviceName)
            .Enrich.With(new PhiScrubber())
            .WriteTo.Console(new CompactJsonFormatter()));

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        return builder;
    }

    /// <summary>
    /// The optional JSON file named by the MTH_CONFIG environment variable. It sits below the
    /// environment variables and the command line, so that both still override what it says.
    /// </summary>
    private static void AddConfigurationFile(IConfigurationBuilder configuration)
    {
        var path = Environment.GetEnvironmentVariable(ConfigFileVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"{ConfigFileVariable} names a configuration file that does not exist: {fullPath}", fullPath);
        }

        var source = new JsonConfigurationSource { Path = fullPath, Optional = false, ReloadOnChange = false };
        source.ResolveFileProvider();
        var firstOverride = configuration.Sources
            .Select((s, i) => (Source: s, Index: i))
            .FirstOrDefault(x => x.Source is EnvironmentVariablesConfigurationSource or CommandLineConfigurationSource, (null!, -1)).Index;
        if (firstOverride < 0)
        {
            configuration.Add(source);
        }
        else
        {
            configuration.Sources.Insert(firstOverride, source);
        }
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
