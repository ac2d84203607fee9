using Mth.Core.Codes;
using Mth.Core.Embedded;
using Mth.Core.Indexing;
using Mth.Testing.Indexing;

namespace Mth.Core.Tests.Embedded;

/// <summary>The embedded index keeps its data across restarts and survives a crash in the middle of a write.</summary>
public sealed class EmbeddedIndexTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mth-embedded-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(64, 2000, "clustered")]
    [InlineData(128, 800, "duplicates")]
    [InlineData(24, 500, "uniform")]
    public async Task Answers_equal_the_brute_force_before_and_after_a_restart(int bits, int size, string shape)
    {
        var seed = bits + size;
        var codes = IndexWorkload.Codes(bits, size, shape, seed);
        var queries = IndexWorkload.Queries(codes, bits, shape, 6, seed);
        BruteForce truth;
        using (var catalog = EmbeddedIndexCatalog.Open(_root, new EmbeddedIndexOptions { SnapshotAfterLogBytes = 16 * 1024 }))
        {
            var index = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(bits) { ExpectedItems = size });
            truth = await IndexWorkload.LoadAsync(index, codes);
            await IndexWorkload.MutateAsync(index, truth, codes.Take(20).ToArray(), 150, seed);
            Assert.True(await catalog.TrySetActiveVersionAsync(null, "v1"));
        }

        using (var reopened = EmbeddedIndexCatalog.Open(_root))
        {
            Assert.Equal("v1", await reopened.GetActiveVersionAsync());
            var index = (await reopened.OpenActiveAsync())!;
            Assert.Equal(truth.Count, await index.CountAsync());
            await IndexWorkload.CheckSearchesAsync(index, truth, queries, [1, 10, size + 1], [0, 3, bits], $"embedded {bits} after restart");
        }

        // Small snapshot threshold: the log was compacted along the way and only the newest pair is left.
        var files = Directory.GetFiles(Path.Combine(_root, "versions", "v1")).Select(Path.GetFileName).ToList();
        Assert.Single(files, f => f!.StartsWith("snapshot-", StringComparison.Ordinal));
        Assert.Single(files, f => f!.StartsWith("log-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(20)]
    public async Task A_torn_last_record_is_ignored_and_later_writes_are_kept(int keptBytesOfLastRecord)
    {
        var codes = SyntheticCodes.Uniform(64, 8).Take(12);
        using (var catalog = EmbeddedIndexCatalog.Open(_root))
        {
            var index = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));
            for (var i = 0; i < 10; i++)
            {
                await index.UpsertAsync($"1.2.{i}", codes[i]);
            }
        }

        // A crash in the middle of appending record 11: only its first bytes reached the disk.
        var log = Directory.GetFiles(Path.Combine(_root, "versions", "v1"), "log-*.bin").Single();
        var record = ItemRecord.Encode(ItemRecord.Upsert, "1.2.10", codes[10].ToBytes());
        await using (var file = new FileStream(log, FileMode.Append))
        {
            await file.WriteAsync(record.AsMemory(0, keptBytesOfLastRecord));
        }

        using (var catalog = EmbeddedIndexCatalog.Open(_root))
        {
            var index = (await catalog.OpenVersionAsync("v1"))!;
            Assert.Equal(10, await index.CountAsync());
            Assert.Null(await index.GetCodeAsync("1.2.10"));
            await index.UpsertAsync("1.2.11", codes[11]);
        }

        using (var catalog = EmbeddedIndexCatalog.Open(_root))
        {
            var index = (await catalog.OpenVersionAsync("v1"))!;
            Assert.Equal(11, await index.CountAsync());
            Assert.Equal(codes[11], await index.GetCodeAsync("1.2.11"));
        }
    }

    [Fact]
    public async Task A_damaged_record_checksum_counts_as_torn()
    {
        var code = BinaryCode.FromHex("0102030405060708");
        using (var catalog = EmbeddedIndexCatalog.Open(_root))
        {
            var index = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));
            await index.UpsertAsync("1.2.1", code);
            await index.UpsertAsync("1.2.2", code);
        }

        var log = Directory.GetFiles(Path.Combine(_root, "versions", "v1"), "log-*.bin").Single();
        var bytes = await File.ReadAllBytesAsync(log);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(log, bytes);

        using var reopened = EmbeddedIndexCatalog.Open(_root);
        var version = (await reopened.OpenVersionAsync("v1"))!;
        Assert.Equal(1, await version.CountAsync());
        Assert.Equal(code, await version.GetCodeAsync("1.2.1"));
    }

    [Fact]
    public async Task A_snapshot_interrupted_before_its_rename_is_ignored()
    {
        var code = BinaryCode.FromHex("0102030405060708");
        using (var catalog = EmbeddedIndexCatalog.Open(_root))
        {
            var index = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));
            await index.UpsertAsync("1.2.1", code);
        }

        await File.WriteAllTextAsync(Path.Combine(_root, "versions", "v1", "snapshot-00000001.bin.tmp"), "half a snapshot");

        using var reopened = EmbeddedIndexCatalog.Open(_root);
        Assert.Equal(code, await (await reopened.OpenVersionAsync("v1"))!.GetCodeAsync("1.2.1"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "versions", "v1"), "*.tmp"));
    }

    [Fact]
    public async Task Versions_switch_by_compare_and_set_and_a_dropped_version_leaves_no_files()
    {
        using var catalog = EmbeddedIndexCatalog.Open(_root);
        var old = await catalog.CreateVersionAsync("model-1", new IndexVersionOptions(64));
        await old.UpsertAsync("1.2.3", BinaryCode.FromHex("0102030405060708"));
        await catalog.CreateVersionAsync("model-2", new IndexVersionOptions(64));
        Assert.True(await catalog.TrySetActiveVersionAsync(null, "model-1"));
        Assert.False(await catalog.TrySetActiveVersionAsync(null, "model-2"));
        Assert.True(await catalog.TrySetActiveVersionAsync("model-1", "model-2"));

        await Assert.ThrowsAsync<IndexCatalogException>(() => catalog.DropVersionAsync("model-2").AsTask());
        await catalog.DropVersionAsync("model-1");

        Assert.False(Directory.Exists(Path.Combine(_root, "versions", "model-1")));
        Assert.Null(await catalog.OpenVersionAsync("model-1"));
        Assert.Equal(["model-2"], (await catalog.ListVersionsAsync()).Select(v => v.Version));
    }

    [Fact]
    public void A_second_process_cannot_open_the_same_folder()
    {
        using var first = EmbeddedIndexCatalog.Open(_root);

        var error = Assert.Throws<IOException>(() => EmbeddedIndexCatalog.Open(_root));
        Assert.Contains("in use", error.Message);
    }
}
