namespace Mth.Bench.Index;

/// <summary>What <c>./mth bench index</c> measures (see <see cref="IndexBenchmarkCommand"/>).</summary>
internal sealed record IndexBenchmarkOptions
{
    public required int N { get; init; }

    public required int Bits { get; init; }

    public required int K { get; init; }

    public required int Queries { get; init; }

    public bool Clustered { get; init; }

    /// <summary>Redis endpoints (one for a single node, several seeds for a cluster); none: no redis-mih.</summary>
    public IReadOnlyList<string> Redis { get; init; } = [];

    public string? DumpDirectory { get; init; }

    public bool Json { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>MIH substring count; default: the paper's rule for --n and --bits.</summary>
    public int? Substrings { get; init; }

    /// <summary>Skip the Faiss reference even where Python has faiss.</summary>
    public bool NoFaiss { get; init; }

    /// <summary>Redis searches read buckets through StackExchange.Redis only (no direct bucket reads).</summary>
    public bool RedisClientReads { get; init; }

    /// <summary>RedisIndexOptions.DirectReadBlockingWaitMicroseconds for the Redis searches.</summary>
    public int RedisBlockingWaitMicroseconds { get; init; }
}
