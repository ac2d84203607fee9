using Mth.Core.Codes;
using Mth.Core.Hamming;
using Mth.Core.Indexing;
using Mth.Core.Indexing.Linear;
using Mth.Core.Indexing.MultiIndexHashing;
using Mth.Testing.Indexing;

namespace Mth.Core.Tests.Indexing;

/// <summary>Every in-memory method answers exactly as the brute force, over seeded random workloads.</summary>
public sealed class ExactSearchTests
{
    public static TheoryData<string, int, int, string> Workloads()
    {
        var data = new TheoryData<string, int, int, string>();
        var sizes = new[] { 0, 1, 9, 300, 3000 };
        var bits = new[] { 16, 24, 64, 128, 256 };
        var seed = 0;
        foreach (var method in new[] { "linear", "mih", "mih-m-max", "mih-m-min" })
        {
            foreach (var b in bits)
            {
                foreach (var shape in IndexWorkload.Shapes)
                {
                    // Rotate through sizes so that every (method, bits, shape) is covered without a full product.
                    data.Add(method, b, sizes[seed++ % sizes.Length], shape);
                }
            }

            data.Add(method, 64, 20_000, "clustered");
            data.Add(method, 32, 20_000, "uniform");
        }

        return data;
    }

    internal static IHammingIndex Create(string method, int bits, int expected) => method switch
    {
        "linear" => new LinearScanIndex("v1", bits),
        "mih" => new MultiIndexHashingIndex("v1", SubstringLayout.ForDatabase(bits, Math.Max(expected, 2))),
        "mih-m-max" => new MultiIndexHashingIndex("v1", SubstringLayout.Create(bits, SubstringLayout.CountRange(bits).Max)),
        "mih-m-min" => new MultiIndexHashingIndex("v1", SubstringLayout.Create(bits, SubstringLayout.CountRange(bits).Min)),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    [Theory]
    [MemberData(nameof(Workloads))]
    public async Task Top_k_and_radius_answers_equal_the_brute_force_before_and_after_updates_and_deletes(string method, int bits, int size, string shape)
    {
        var seed = HashCode.Combine(method, bits, size, shape) & 0xFFFF;
        var codes = IndexWorkload.Codes(bits, size, shape, seed);
        var index = Create(method, bits, size);
        var truth = await IndexWorkload.LoadAsync(index, codes);
        int[] ks = [1, 2, 10, 33, size + 3];
        int[] radii = [0, 1, 2, 5, bits / 4, bits];
        var queries = IndexWorkload.Queries(codes, bits, shape, 8, seed);

        await IndexWorkload.CheckSearchesAsync(index, truth, queries, ks, radii, $"{method} {bits} bits {size} {shape}");

        var pool = IndexWorkload.Codes(bits, 64, shape, seed + 1).Concat(codes.Take(16)).ToArray();
        await IndexWorkload.MutateAsync(index, truth, pool, operations: Math.Min(200, size + 20), seed);
        await IndexWorkload.CheckSearchesAsync(index, truth, queries, ks, radii, $"{method} {bits} bits {size} {shape} after changes");
    }

    [Fact]
    public async Task Equally_distant_items_come_in_ordinal_id_order_whatever_the_insertion_order()
    {
        var code = BinaryCode.FromHex("00000000000000ff");
        var ids = new[] { "1.2.10", "1.2.9", "1.2.100", "1.10", "1.2.09" };
        foreach (var method in new[] { "linear", "mih" })
        {
            var index = Create(method, 64, 10);
            foreach (var id in ids)
            {
                await index.UpsertAsync(id, code);
            }

            var result = await index.SearchNearestAsync(code, 3);

            Assert.Equal(["1.10", "1.2.09", "1.2.10"], result.Select(r => r.Id));
        }
    }

    [Fact]
    public async Task Bad_input_is_refused_with_a_clear_error_and_changes_nothing()
    {
        var index = Create("mih", 64, 10);
        await index.UpsertAsync("1.2.3", BinaryCode.FromHex("0102030405060708"));

        await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync("1.2.4", BinaryCode.FromHex("01020304")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync("has space", BinaryCode.FromHex("0102030405060708")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync("", BinaryCode.FromHex("0102030405060708")).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => index.SearchNearestAsync(BinaryCode.FromHex("0102030405060708"), 0).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => index.SearchRadiusAsync(BinaryCode.FromHex("0102030405060708"), 65).AsTask());

        Assert.Equal(1, await index.CountAsync());
    }

    [Fact]
    public async Task Mih_tables_have_one_bucket_array_per_occupied_value_so_memory_follows_the_items()
    {
        var index = (MultiIndexHashingIndex)Create("mih", 64, 100_000);
        var empty = index.EstimateBytes();
        var codes = SyntheticCodes.Uniform(64, 3).Take(10_000);
        await index.UpsertManyAsync(codes.Select((c, i) => new IndexEntry(IndexWorkload.Id(i), c)).ToList());

        var perItem = (index.EstimateBytes() - empty) / 10_000.0;
        Assert.InRange(perItem, 4 * 16, 400);
    }

    [Fact]
    public void The_linear_kernel_can_be_pinned_for_tests() =>
        Assert.Equal(HammingScan.Best, new LinearScanIndex("v1", 64).Kernel);
}
