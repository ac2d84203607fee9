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

    /// <summary>
    /// What one round trip of a search may read per shard, in reply bytes with each key counted as
    /// <see cref="KeyCostBytes"/> more (bucket sizes are taken from the buckets the search has read so far).
    /// After each round trip the search knows a smaller k-th distance and plans the next one to prove it, so a
    /// small budget reads fewer useless buckets and a large one saves round trips.
    /// </summary>
    public int RoundCostBytes { get; init; } = 1_500_000;

    /// <summary>
    /// The cost of one bucket key, in reply bytes: Redis looks up a key among hundreds of thousands (cache misses)
    /// in about the time it takes to send and parse this many bytes (measured on loopback, docs/benchmarks.md).
    /// Chooses the substring count of a new version (<see cref="RedisProbeCostModel"/>) and sizes round trips.
    /// </summary>
    public int KeyCostBytes { get; init; } = 1300;

    /// <summary>
    /// Bucket keys per MGET: a round trip's keys go out as several MGETs at once (pipelined), so the client scans
    /// one reply while Redis builds the next, and no single reply holds megabytes.
    /// </summary>
    public int KeysPerCommand { get; init; } = 200;

    /// <summary>
    /// Whether searches read buckets over connections of their own (<see cref="RespBucketConnection"/>: MGET replies
    /// parsed in place, no array per bucket) instead of through StackExchange.Redis. Any failure there (TLS, a
    /// refused connection, MOVED or ASK, a timeout) reads the shard through StackExchange.Redis instead.
    /// </summary>
    public bool DirectBucketReads { get; init; } = true;

    /// <summary>
    /// With <see cref="DirectBucketReads"/>: how long a search's thread waits blocked for the next part of a reply
    /// before awaiting it asynchronously (0: always asynchronous). A blocked wait wakes one thread when the bytes
    /// arrive, an asynchronous one two, which on a busy machine shows in the tail (docs/benchmarks.md); the cost is
    /// a pool thread held for at most this long per wait.
    /// </summary>
    public int DirectReadBlockingWaitMicroseconds { get; init; } = 2000;

    /// <summary>
    /// Whether the first round trip of a search stops early: at radius 0 (cheap, enough on tightly clustered codes,
    /// and it measures the bucket sizes), or, once the index has seen enough searches with the same k, where nine
    /// in ten of them ended (<see cref="RecentKthDistances"/>). False: the first round trip reads as much as
    /// <see cref="RoundCostBytes"/> allows.
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

    /// <summary>Whether each index sums where its searches spend their time (<see cref="RedisHammingIndex.Statistics"/>): for benchmarks.</summary>
    public bool CollectSearchStatistics { get; init; }

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

        if (DirectReadBlockingWaitMicroseconds is < 0 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(DirectReadBlockingWaitMicroseconds), DirectReadBlockingWaitMicroseconds, "The blocking wait must be from 0 to 100,000 µs.");
        }

        if (ShardsPerVersion is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(ShardsPerVersion), ShardsPerVersion, "Shards per version must be from 1 to 1024.");
        }

        if (UpsertBatchSize < 1 || UpsertConcurrency < 1 || RoundCostBytes < 1 || KeyCostBytes < 0 || KeysPerCommand < 1 || MaxProbesPerShard < 1 || DropBatchSize < 1 || ChangeFeedLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(UpsertBatchSize), "Batch sizes, concurrency and probe limits must be positive.");
        }
    }
}
