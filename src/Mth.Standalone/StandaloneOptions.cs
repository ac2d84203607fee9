namespace Mth.Standalone;

/// <summary>
/// Configuration section <c>Standalone</c>: where the all-in-one keeps its data when nothing else is configured.
/// Every path it derives (index, instance store, model registry, API key) can itself be set in its own section.
/// </summary>
internal sealed class StandaloneOptions
{
    public const string Section = "Standalone";

    /// <summary>The local data folder (relative paths: from the current directory).</summary>
    public string DataFolder { get; set; } = ".mth";

    /// <summary>The model folder published into an empty registry at start; default: the one built next to the program.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>Where the generated Query API key is kept; default <c>&lt;DataFolder&gt;/api-key</c>.</summary>
    public string? ApiKeyFile { get; set; }
}
