using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Mth.Standalone;

/// <summary>
/// The embedded defaults of the all-in-one: an in-memory bus, the embedded index, the instance store and the model
/// registry, all inside one data folder. They sit below every other configuration source (the MTH_CONFIG file,
/// environment variables, the command line), so that any setting, the transport and the index provider included,
/// is changed by configuration alone: <c>Messaging__Transport=RabbitMq Index__Provider=Redis</c> is production mode.
/// </summary>
internal sealed class StandaloneConfiguration
{
    private StandaloneConfiguration(string dataFolder, string defaultModel, string apiKeyFile)
    {
        DataFolder = dataFolder;
        DefaultModel = defaultModel;
        ApiKeyFile = apiKeyFile;
    }

    /// <summary>The data folder, absolute.</summary>
    public string DataFolder { get; }

    /// <summary>The model folder published into an empty registry.</summary>
    public string DefaultModel { get; }

    /// <summary>Where a generated API key is kept.</summary>
    public string ApiKeyFile { get; }

    /// <summary>The model shipped next to the program (the csproj copies the committed default model there).</summary>
    public static string BundledModel => Path.Combine(AppContext.BaseDirectory, "models", "mth-brain-48b-s64");

    /// <summary>Adds the defaults below everything <paramref name="configuration"/> already has; <paramref name="overrides"/> above it.</summary>
    public static StandaloneConfiguration Apply(IConfigurationManager configuration, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(StandaloneOptions.Section).Get<StandaloneOptions>() ?? new StandaloneOptions();
        if (string.IsNullOrWhiteSpace(options.DataFolder))
        {
            throw new ArgumentException("Standalone:DataFolder must name a folder.");
        }

        var data = Path.GetFullPath(options.DataFolder);
        var result = new StandaloneConfiguration(
            data,
            Path.GetFullPath(options.DefaultModel ?? BundledModel),
            Path.GetFullPath(options.ApiKeyFile ?? Path.Combine(data, "api-key")));

        var defaults = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Messaging:Transport"] = "InMemory",
            ["Index:Provider"] = "Embedded",
            ["Index:Embedded:Folder"] = Path.Combine(data, "index"),
            ["InstanceStore:Root"] = Path.Combine(data, "instances"),
            ["Models:Registry"] = Path.Combine(data, "models"),
            ["Ingest:Port"] = "11112",
            ["Ingest:AeTitle"] = "MTH",
            ["urls"] = "http://0.0.0.0:8080",
        };
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
        if (overrides is { Count: > 0 })
        {
            configuration.Sources.Add(new MemoryConfigurationSource { InitialData = overrides });
        }

        return result;
    }

    /// <summary>True when configuration names at least one API key or turns the key off: nothing to generate then.</summary>
    public static bool HasApiKeyConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var query = configuration.GetSection("Query");
        return query.GetSection("ApiKeys").GetChildren().Any(k => !string.IsNullOrEmpty(k.Value))
            || string.Equals(query["RequireApiKey"], "false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Adds a key (the generated one) to Query:ApiKeys, below every other source.</summary>
    public static void UseGeneratedApiKey(IConfigurationManager configuration, string key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Query:ApiKeys:0"] = key },
        });
    }
}
