using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Mth.Index.Redis;

/// <summary>
/// Every key the index uses (docs/index.md has the table). Catalog keys share the hash tag
/// <c>{P:catalog}</c>, so the active pointer and the version list change together in one script.
/// Version V is split into S shards; shard s owns the hash tag <c>{P:V:s.salt}</c>, where salt is the
/// smallest integer that puts the tag's slot in the middle half of the s-th of S equal slot ranges: with the
/// usual even slot split (redis-cli --cluster create), shard s sits on primary s, and on a single node nothing
/// changes. All keys of a shard share its tag, so an item's write (its id, ordinal and m bucket entries) is
/// one script on one slot, and a search reads each shard with one MGET per round trip.
/// </summary>
internal sealed class RedisKeyLayout
{
    private readonly string _prefix;

    public RedisKeyLayout(string prefix)
    {
        _prefix = prefix;
        Versions = $"{{{prefix}:catalog}}:versions";
        Active = $"{{{prefix}:catalog}}:active";
    }

    /// <summary>Hash: version name → JSON metadata.</summary>
    public RedisKey Versions { get; }

    /// <summary>String: the active version's name.</summary>
    public RedisKey Active { get; }

    public ShardKeys Shard(string version, int shard, int shards) => new(ShardTag(version, shard, shards));

    /// <summary>The shard's hash tag text, braces included.</summary>
    public string ShardTag(string version, int shard, int shards)
    {
        var width = (double)HashSlot.Count / shards;
        var low = (int)Math.Floor(shard * width + width / 4);
        var high = (int)Math.Ceiling((shard + 1) * width - width / 4);
        for (var salt = 0; ; salt++)
        {
            var tag = string.Create(CultureInfo.InvariantCulture, $"{_prefix}:{version}:{shard}.{salt}");
            var slot = HashSlot.Crc16(Encoding.UTF8.GetBytes(tag)) % HashSlot.Count;
            if (slot >= low && slot < Math.Max(high, low + 1))
            {
                return "{" + tag + "}";
            }
        }
    }

    /// <summary>The shard an item belongs to: FNV-1a (64-bit) of its id's bytes modulo the shard count. Fixed forever: changing it would orphan stored items.</summary>
    public static int ShardOf(string id, int shards)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in id)
        {
            // Ids are ASCII (IndexNames), so a char is a byte.
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (int)(hash % (ulong)shards);
    }
}

/// <summary>The keys of one shard of a version (all under one hash tag).</summary>
internal sealed class ShardKeys
{
    private readonly byte[][] _tablePrefixes;

    public ShardKeys(string tag)
    {
        Tag = tag;
        Meta = tag + ":meta";
        Ids = tag + ":ids";
        Ordinals = tag + ":ords";
        OrdinalsBytes = Encoding.UTF8.GetBytes(tag + ":ords");
        Feed = tag + ":feed";
        _tablePrefixes = Enumerable.Range(0, 32).Select(j => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{tag}:t{j}:"))).ToArray();
    }

    public string Tag { get; }

    /// <summary>Hash: bits, substrings, shard, shards, state (ready | dropping), next (last ordinal handed out), seq (last change feed number).</summary>
    public RedisKey Meta { get; }

    /// <summary>Hash: item id → 4-byte big-endian ordinal followed by the code bytes.</summary>
    public RedisKey Ids { get; }

    /// <summary>Hash: ordinal (decimal) → item id.</summary>
    public RedisKey Ordinals { get; }

    /// <summary><see cref="Ordinals"/> as bytes, for the search's own connections.</summary>
    public byte[] OrdinalsBytes { get; }

    /// <summary>
    /// Stream: the shard's change feed, one entry per item change (fields s = seq, o = u (upsert) | d (delete),
    /// i = id, c = code), trimmed to about <see cref="RedisIndexOptions.ChangeFeedLength"/> entries.
    /// </summary>
    public RedisKey Feed { get; }

    /// <summary>
    /// String: the bucket of substring <paramref name="table"/> with value <paramref name="value"/> (lowercase hex,
    /// no leading zeros): entries of (4-byte ordinal, code). Built as bytes: a search names thousands per query.
    /// </summary>
    public RedisKey Bucket(int table, uint value)
    {
        var key = new byte[BucketKeyLength(table, value)];
        WriteBucket(table, value, key);
        return key;
    }

    /// <summary>The byte length of <see cref="Bucket"/>'s key.</summary>
    public int BucketKeyLength(int table, uint value) => _tablePrefixes[table].Length + HexDigits(value);

    /// <summary>The longest bucket key of this shard, in bytes.</summary>
    public int MaxBucketKeyBytes => _tablePrefixes[^1].Length + 8;

    /// <summary>Writes <see cref="Bucket"/>'s key into <paramref name="destination"/> (no allocation); returns its length.</summary>
    public int WriteBucket(int table, uint value, Span<byte> destination)
    {
        var prefix = _tablePrefixes[table];
        var length = prefix.Length + HexDigits(value);
        prefix.CopyTo(destination);
        for (var i = length - 1; i >= prefix.Length; i--)
        {
            destination[i] = (byte)"0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }

        return length;
    }

    private static int HexDigits(uint value) => value == 0 ? 1 : (32 - System.Numerics.BitOperations.LeadingZeroCount(value) + 3) / 4;
}
