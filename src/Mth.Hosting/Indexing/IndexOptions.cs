using System.Text.RegularExpressions;

namespace Mth.Hosting.Indexing;

/// <summary>Where the index, the instance catalog and the coordination documents live (configuration section <c>Index</c>).</summary>
public sealed partial class IndexOptions
{
    public const string Section = "Index";

    /// <summary>Redis (services, single node or cluster), Embedded (all-in-one: a local folder) or Memory (tests; nothing survives).</summary>
    public IndexProvider Provider { get; set; } = IndexProvider.Redis;

    public RedisIndexSettings Redis { get; set; } = new();

    public EmbeddedIndexSettings Embedded { get; set; } = new();

    /// <summary>Every problem of the options (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Provider))
        {
            problems.Add($"Index:Provider '{Provider}' is not Redis, Embedded or Memory");
        }

        if (Provider == IndexProvider.Redis)
        {
            if (string.IsNullOrWhiteSpace(Redis.Configuration))
            {
                problems.Add("Index:Redis:Configuration is required (a StackExchange.Redis configuration string; cluster seeds allowed)");
            }

            if (Redis.KeyPrefix is null || !KeyPrefixPattern().IsMatch(Redis.KeyPrefix))
            {
                problems.Add("Index:Redis:KeyPrefix must be 1 to 32 characters of A-Z, a-z, 0-9, '.', '_', '-'");
            }

            if (Redis.ShardsPerVersion is < 1 or > 1024)
            {
                problems.Add("Index:Redis:ShardsPerVersion must be from 1 to 1024 when set");
            }

            if (Redis.DirectReadBlockingWaitMicroseconds is < 0 or > 100_000)
            {
                problems.Add("Index:Redis:DirectReadBlockingWaitMicroseconds must be from 0 to 100000");
            }
        }

        if (Provider == IndexProvider.Embedded && string.IsNullOrWhiteSpace(Embedded.Folder))
        {
            problems.Add("Index:Embedded:Folder is required");
        }

        return problems;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,32}$")]
    private static partial Regex KeyPrefixPattern();
}

public enum IndexProvider
{
    Redis,
    Embedded,
    Memory,
}

public sealed class RedisIndexSettings
{
    /// <summary>StackExchange.Redis configuration: "host:port[,host:port...][,password=…][,ssl=true]"; several endpoints of a cluster are seeds.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>First part of every key (several deployments can share one Redis).</summary>
    public string KeyPrefix { get; set; } = "mth";

    /// <summary>Shards of a new index version; unset: one per primary.</summary>
    public int? ShardsPerVersion { get; set; }

    /// <summary>Searches read buckets over connections of their own (replies parsed in place), falling back to StackExchange.Redis on any failure.</summary>
    public bool DirectBucketReads { get; set; } = true;

    /// <summary>With <see cref="DirectBucketReads"/>: how long a search's thread waits blocked for a reply part before awaiting it (0 to 100,000 µs).</summary>
    public int DirectReadBlockingWaitMicroseconds { get; set; } = 2000;
}

public sealed class EmbeddedIndexSettings
{
    /// <summary>The folder of the embedded index (versions, active pointer), with instances/ and coordination/ inside it.</summary>
    public string Folder { get; set; } = "data/index";
}
