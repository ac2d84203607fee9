using System.ComponentModel.DataAnnotations;

namespace Mth.Query;

/// <summary>
/// Configuration section <c>Query</c> (environment: <c>Query__ApiKeys__0=…</c>, <c>Query__Search=Replica</c>).
/// Defaults live here: the service projects carry no appsettings.json.
/// </summary>
public sealed class QueryOptions : IValidatableObject
{
    public const string Section = "Query";

    /// <summary>Keys accepted in the <c>X-Api-Key</c> header (at least 16 characters each).</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>
    /// False only for a local all-in-one start where nobody else can reach the port: the /v1 endpoints then
    /// answer without a key. True (the default) needs at least one key in <see cref="ApiKeys"/>.
    /// </summary>
    public bool RequireApiKey { get; set; } = true;

    /// <summary>How searches reach the active index version (docs/query.md).</summary>
    public QuerySearchMode Search { get; set; } = QuerySearchMode.Replica;

    /// <summary>Results when a request names no k.</summary>
    [Range(1, 1000)]
    public int DefaultK { get; set; } = 10;

    /// <summary>Largest k a request may ask for.</summary>
    [Range(1, 1000)]
    public int MaxK { get; set; } = 100;

    /// <summary>Largest uploaded image (DICOM Part 10, PNG or JPEG) in bytes; larger requests get 413.</summary>
    [Range(1024, 2L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Uploads decoded and encoded at once; further uploads wait (their cancellation still applies).</summary>
    [Range(1, 1024)]
    public int MaxConcurrentEncodings { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>How often the active index version is read (a change loads the new model, then switches).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan ActiveVersionPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After a failed load of the active version (model missing from the registry, …), wait this long before trying again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan LoadRetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Study searches: distinct codes of the query study searched at most (a study of more distinct codes is refused with 422).</summary>
    [Range(1, 100_000)]
    public int MaxStudyQueryCodes { get; set; } = 2000;

    /// <summary>Study searches: neighbours fetched per query code at most while widening the search until the top studies are proven.</summary>
    [Range(16, 1_000_000)]
    public int MaxStudyCandidates { get; set; } = 20_000;

    /// <summary>Instance records (series, study, modality of results) kept in memory; 0 reads the catalog for every answer.</summary>
    [Range(0, 100_000_000)]
    public int InstanceCacheEntries { get; set; } = 500_000;

    /// <summary>How long a cached instance record is used before it is read again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan InstanceCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Replica mode: pause between reads of the change feeds once drained (the replica's lag is about this plus a round trip).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ReplicaPollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Execution provider of the query service's own model session (uploads): Automatic, Cpu or Cuda.</summary>
    public Mth.Encoding.Inference.ExecutionProviderPreference ExecutionProvider { get; set; } = Mth.Encoding.Inference.ExecutionProviderPreference.Automatic;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RequireApiKey && ApiKeys.Count == 0)
        {
            yield return new ValidationResult(
                "Query:ApiKeys needs at least one key (or set Query:RequireApiKey=false for a local start that nobody else can reach).",
                [nameof(ApiKeys)]);
        }

        if (ApiKeys.Any(key => string.IsNullOrWhiteSpace(key) || key.Length < 16 || key.Length > 256))
        {
            yield return new ValidationResult("Every key in Query:ApiKeys must be 16 to 256 characters.", [nameof(ApiKeys)]);
        }

        if (DefaultK > MaxK)
        {
            yield return new ValidationResult("Query:DefaultK must not exceed Query:MaxK.", [nameof(DefaultK)]);
        }
    }
}

/// <summary>Where a search runs.</summary>
public enum QuerySearchMode
{
    /// <summary>The index provider is searched directly: MIH over the network for Redis (one search = a few round trips).</summary>
    Redis,

    /// <summary>
    /// An in-memory copy of the active Redis version in this process, fed by the version's change feed
    /// (<see cref="Mth.Index.Redis.Replication.RedisIndexReplica"/>). With a provider that already searches in
    /// process (embedded, memory) there is nothing to copy and the index is searched directly.
    /// </summary>
    Replica,
}
