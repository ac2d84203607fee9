namespace Mth.Index.Redis;

/// <summary>Where and how an index lives in Redis.</summary>
public sealed record RedisIndexOptions
{
    /// <summary>First part of every key and hash tag (several indexes can share one Redis): [A-Za-z0-9._-], at most 32 characters.</summary>
    public string KeyPrefix { get; init; } = "mth";

    /// <summary>
    /// Shards of a new version (each a hash tag, so one slot of a cluster). Null: one per primary the
    /// connection sees (1 on a single node, 3 on a 3-master cluster), so every primary works on a query.
    /// Fixed per version at creation.
    /// </summary>
    public int? ShardsPerVersion { get; init; }

    /// <summary>Items per upsert script call in <c>UpsertManyAsync</c> (one script call per shard and batch).</summary>
    public int UpsertBatchSize { get; init; } = 200;

    /// <summary>Batch upserts in flight at once.</summary>
    public int UpsertConcurrency { get; init; } = 8;

    /// <summary>Bucket keys probed per shard and round trip before the search waits for answers.</summary>
    public int ProbesPerRound { get; init; } = 4096;

    /// <summary>
    /// Whether the first round trip of a search probes radius 0 only (cheap, and enough on tightly clustered
    /// codes) rather than as many radii as <see cref="ProbesPerRound"/> allows (one round trip fewer on spread codes).
    /// </summary>
    public bool FirstRoundRadiusZero { get; init; } = true;

    /// <summary>
    /// Probes per shard beyond which a search reads every code instead (HSCAN): MIH is hopeless when the
    /// codes are long for the database (neighbours far away), and a full read is then cheaper.
    /// </summary>
    public int MaxProbesPerShard { get; init; } = 65_536;

    /// <summary>
    /// Entries each shard's change feed keeps (approximately: Redis trims whole stream nodes). A replica that falls
    /// further behind than this reloads the version. Every writer should use the same value.
    /// </summary>
    public int ChangeFeedLength { get; init; } = 100_000;

    /// <summary>Items per batch when a version is dropped (one HSCAN page and one UNLINK per batch).</summary>
    public int DropBatchSize { get; init; } = 1000;

    /// <summary>Checks a key prefix (shared by the index, the instance catalog and the coordination store).</summary>
    public static string ValidatePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Length > 32 || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException("KeyPrefix must be 1 to 32 characters of A-Z, a-z, 0-9, '.', '_', '-'.", nameof(prefix));
        }

        return prefix;
    }

    internal void Validate()
    {
        ValidatePrefix(KeyPrefix);

        if (ShardsPerVersion is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(ShardsPerVersion), ShardsPerVersion, "Shards per version must be from 1 to 1024.");
        }

        if (UpsertBatchSize < 1 || UpsertConcurrency < 1 || ProbesPerRound < 1 || MaxProbesPerShard < 1 || DropBatchSize < 1 || ChangeFeedLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(UpsertBatchSize), "Batch sizes, concurrency and probe limits must be positive.");
        }
    }
}
