using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Index.Redis;

/// <summary>
/// What a probe costs on Redis, in reply bytes: a bucket key costs <see cref="RedisIndexOptions.KeyCostBytes"/>
/// (the server's lookup of one key among hundreds of thousands, mostly cache misses) plus the bucket's bytes
/// (sent over the socket and parsed by the client). In memory a probe is a cache miss and the rule of
/// <see cref="SubstringLayout.ForDatabase"/> applies; on Redis a key is dearer, so fewer, longer buckets
/// (a larger m) pay. Used to choose m for a new version and to size each round trip of a search.
/// </summary>
internal static class RedisProbeCostModel
{
    /// <summary>The k the substring count is tuned for (a typical similar-case request).</summary>
    public const int TypicalK = 10;

    /// <summary>
    /// The substring count with the smallest expected cost of a top-<see cref="TypicalK"/> search over
    /// <paramref name="itemsPerShard"/> uniformly spread codes: the probes that prove the expected k-th distance,
    /// each costing a key plus its expected bucket bytes. Learned codes are closer together (a smaller k-th
    /// distance): fewer probes for every m, so the choice stays close.
    /// </summary>
    public static SubstringLayout ChooseLayout(int bits, long itemsPerShard, int keyCostBytes)
    {
        var (min, max) = SubstringLayout.CountRange(bits);
        var n = Math.Max(2, itemsPerShard);
        var kth = ExpectedKthDistance(bits, n, TypicalK);
        SubstringLayout? best = null;
        var bestCost = double.PositiveInfinity;
        for (var m = min; m <= max; m++)
        {
            var layout = SubstringLayout.Create(bits, m);
            var cost = SearchCost(layout, n, kth, keyCostBytes);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = layout;
            }
        }

        return best!;
    }

    /// <summary>Smallest d such that n uniformly random codes are expected to have k within distance d of a query.</summary>
    internal static int ExpectedKthDistance(int bits, long n, int k)
    {
        // n · C(b, d) / 2^b, accumulated over d; 2^-b underflows no double for b ≤ 256.
        var term = Math.ScaleB(1.0, -bits) * n;
        var cumulative = 0.0;
        for (var d = 0; d <= bits; d++)
        {
            cumulative += term;
            if (cumulative >= k)
            {
                return d;
            }

            term = term * (bits - d) / (d + 1);
        }

        return bits;
    }

    /// <summary>Keys and expected bytes of the (radius, table) steps up to the one that proves <paramref name="distance"/>.</summary>
    internal static double SearchCost(SubstringLayout layout, long n, int distance, int keyCostBytes)
    {
        var entryBytes = 4 + layout.Bits / 8;
        var cost = 0.0;
        for (var radius = 0; radius <= layout.MaxLength; radius++)
        {
            for (var table = 0; table < layout.Count; table++)
            {
                var keys = (double)HammingBall.SphereSize(layout.Length(table), radius);
                cost += keys * (keyCostBytes + ExpectedBucketBytes(n, layout.Length(table), entryBytes));
                if (layout.ProvenDistance(radius, table) >= distance)
                {
                    return cost;
                }
            }
        }

        return cost;
    }

    private static double ExpectedBucketBytes(long n, int substringBits, int entryBytes) => Math.ScaleB(n, -substringBits) * entryBytes;
}
