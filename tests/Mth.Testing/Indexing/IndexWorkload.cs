using Mth.Core.Codes;
using Mth.Core.Indexing;
using Xunit;

namespace Mth.Testing.Indexing;

/// <summary>
/// Seeded random workloads that drive an index and the brute force in step and compare every answer:
/// uniform and clustered codes, duplicated codes (ties), many k and radii, updates and deletes.
/// Used for every implementation (linear, MIH, embedded, Redis single node and cluster).
/// </summary>
public static class IndexWorkload
{
    /// <summary>Ids share a long prefix like real SOP Instance UIDs, and sort differently as strings than as numbers.</summary>
    public static string Id(int i) => $"1.2.826.0.1.3680043.10.77.{i}";

    /// <summary>Codes for a workload: uniform, clustered, or few distinct codes repeated (many exact ties).</summary>
    public static BinaryCode[] Codes(int bits, int count, string shape, int seed)
    {
        switch (shape)
        {
            case "uniform":
                return SyntheticCodes.Uniform(bits, seed).Take(count);
            case "clustered":
                return SyntheticCodes.Clustered(bits, seed).Take(count);
            case "duplicates":
                var distinct = SyntheticCodes.Clustered(bits, seed).Take(Math.Max(1, count / 8));
                var random = new Random(seed);
                return Enumerable.Range(0, count).Select(_ => distinct[random.Next(distinct.Length)]).ToArray();
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "uniform, clustered or duplicates");
        }
    }

    public static readonly string[] Shapes = ["uniform", "clustered", "duplicates"];

    /// <summary>Loads codes into the index (half one at a time, half in one batch) and the brute force.</summary>
    public static async Task<BruteForce> LoadAsync(IHammingIndex index, BinaryCode[] codes)
    {
        var truth = new BruteForce();
        var half = codes.Length / 2;
        for (var i = 0; i < half; i++)
        {
            Assert.Equal(UpsertOutcome.Inserted, await index.UpsertAsync(Id(i), codes[i]));
            truth.Upsert(Id(i), codes[i]);
        }

        var rest = Enumerable.Range(half, codes.Length - half).Select(i => new IndexEntry(Id(i), codes[i])).ToList();
        var summary = await index.UpsertManyAsync(rest);
        Assert.Equal(rest.Count, summary.Inserted);
        foreach (var entry in rest)
        {
            truth.Upsert(entry.Id, entry.Code);
        }

        return truth;
    }

    /// <summary>Queries near stored codes (including exact copies) and fresh ones, for many k and radii.</summary>
    public static async Task CheckSearchesAsync(IHammingIndex index, BruteForce truth, BinaryCode[] queries, int[] ks, int[] radii, string context)
    {
        foreach (var query in queries)
        {
            foreach (var k in ks)
            {
                var expected = truth.Nearest(query, k);
                var actual = await index.SearchNearestAsync(query, k);
                AssertSame(expected, actual, $"{context}: top-{k} of {query.ToHex()}");
            }

            foreach (var radius in radii.Where(r => r <= index.Bits))
            {
                var expected = truth.Radius(query, radius);
                var actual = await index.SearchRadiusAsync(query, radius);
                AssertSame(expected, actual, $"{context}: radius {radius} of {query.ToHex()}");
            }
        }
    }

    /// <summary>Queries: copies of stored codes, stored codes with a few flipped bits, and fresh codes of the same shape.</summary>
    public static BinaryCode[] Queries(BinaryCode[] stored, int bits, string shape, int count, int seed)
    {
        var random = new Random(seed);
        var fresh = Codes(bits, count, shape == "duplicates" ? "clustered" : shape, seed + 7919);
        var queries = new List<BinaryCode>();
        for (var i = 0; i < count; i++)
        {
            switch (i % 3)
            {
                case 0 when stored.Length > 0:
                    queries.Add(stored[random.Next(stored.Length)]);
                    break;
                case 1 when stored.Length > 0:
                    queries.Add(Flip(stored[random.Next(stored.Length)], random, random.Next(1, 4)));
                    break;
                default:
                    queries.Add(fresh[i]);
                    break;
            }
        }

        return [.. queries];
    }

    public static BinaryCode Flip(BinaryCode code, Random random, int flips)
    {
        var bytes = code.ToBytes();
        for (var f = 0; f < flips; f++)
        {
            var bit = random.Next(code.Bits);
            bytes[bit / 8] ^= (byte)(0x80 >> (bit % 8));
        }

        return BinaryCode.FromBytes(bytes);
    }

    /// <summary>Random updates (new codes, same codes again) and deletes (present and absent), applied to both.</summary>
    public static async Task MutateAsync(IHammingIndex index, BruteForce truth, BinaryCode[] pool, int operations, int seed)
    {
        var random = new Random(seed);
        var ids = truth.Items.Keys.ToList();
        for (var op = 0; op < operations; op++)
        {
            var choice = random.Next(10);
            if (choice < 4 && ids.Count > 0)
            {
                var id = ids[random.Next(ids.Count)];
                var code = pool[random.Next(pool.Length)];
                var expected = truth.Items[id].Equals(code) ? UpsertOutcome.Unchanged : UpsertOutcome.Updated;
                Assert.Equal(expected, await index.UpsertAsync(id, code));
                truth.Upsert(id, code);
            }
            else if (choice < 6 && ids.Count > 0)
            {
                var id = ids[random.Next(ids.Count)];
                Assert.Equal(UpsertOutcome.Unchanged, await index.UpsertAsync(id, truth.Items[id]));
            }
            else if (choice < 8 && ids.Count > 0)
            {
                var id = ids[random.Next(ids.Count)];
                Assert.True(await index.DeleteAsync(id));
                Assert.False(await index.DeleteAsync(id));
                truth.Delete(id);
                ids.Remove(id);
            }
            else
            {
                var id = Id(1_000_000 + op + seed * 10_000);
                var code = pool[random.Next(pool.Length)];
                Assert.Equal(UpsertOutcome.Inserted, await index.UpsertAsync(id, code));
                truth.Upsert(id, code);
                ids.Add(id);
            }
        }

        Assert.Equal(truth.Count, await index.CountAsync());
        var stored = new List<string>();
        await foreach (var id in index.EnumerateIdsAsync())
        {
            stored.Add(id);
        }

        Assert.Equal(truth.Items.Keys.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        foreach (var id in ids.Take(20))
        {
            Assert.Equal(truth.Items[id], await index.GetCodeAsync(id));
        }
    }

    public static void AssertSame(IReadOnlyList<Neighbor> expected, IReadOnlyList<Neighbor> actual, string context)
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }

        var firstDifference = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Count, actual.Count));
        Assert.Fail($"{context}: expected {expected.Count} results, got {actual.Count}; first difference at {firstDifference}: " +
            $"expected {(firstDifference < expected.Count ? expected[firstDifference].ToString() : "none")}, got {(firstDifference < actual.Count ? actual[firstDifference].ToString() : "none")}");
    }
}
