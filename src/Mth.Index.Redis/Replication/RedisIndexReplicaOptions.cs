namespace Mth.Index.Redis.Replication;

/// <summary>How a <see cref="RedisIndexReplica"/> loads and follows its version.</summary>
public sealed record RedisIndexReplicaOptions
{
    /// <summary>
    /// Pause between two reads of the change feeds once they are drained. A change reaches the replica within
    /// about this interval plus one round trip (docs/query.md states the measured lag).
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Feed entries read per shard and round trip; a shard that returns this many is read again at once.</summary>
    public int ReadBatch { get; init; } = 2000;

    /// <summary>Items per HSCAN page while loading.</summary>
    public int LoadPageSize { get; init; } = 2000;

    /// <summary>Pause after a failed read of the feeds (Redis unreachable), doubled up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (PollInterval < TimeSpan.Zero || PollInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "The poll interval must be from 0 to 1 minute.");
        }

        if (ReadBatch < 1 || LoadPageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadBatch), "Batch and page sizes must be positive.");
        }

        if (RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), "Retry delays must be positive, the maximum at least the first.");
        }
    }
}
