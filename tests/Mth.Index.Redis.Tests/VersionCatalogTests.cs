using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Testing.Redis;

namespace Mth.Index.Redis.Tests;

/// <summary>Versions coexist; the active pointer moves by compare-and-set; a dropped version leaves no key behind.</summary>
[Collection("redis")]
public sealed class VersionCatalogTests(RedisServerFixture single, RedisClusterFixture cluster) : RedisTopologyTests(single, cluster)
{
    private static readonly BinaryCode CodeA = BinaryCode.FromHex("00000000000000ff");
    private static readonly BinaryCode CodeB = BinaryCode.FromHex("ff00000000000000");

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Two_versions_coexist_and_hold_their_own_items(string topology)
    {
        var catalog = Catalog(topology, out _);
        var v1 = await catalog.CreateVersionAsync("model-1", new IndexVersionOptions(64));
        var v2 = await catalog.CreateVersionAsync("model-2", new IndexVersionOptions(64));

        await v1.UpsertAsync("1.2.3", CodeA);
        await v2.UpsertAsync("1.2.3", CodeB);

        Assert.Equal(CodeA, await v1.GetCodeAsync("1.2.3"));
        Assert.Equal(CodeB, await v2.GetCodeAsync("1.2.3"));
        Assert.Equal(["model-1", "model-2"], (await catalog.ListVersionsAsync()).Select(v => v.Version));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Creating_a_version_again_is_harmless_but_other_options_are_refused(string topology)
    {
        var catalog = Catalog(topology, out _);
        var first = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));
        await first.UpsertAsync("1.2.3", CodeA);

        var again = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));

        Assert.Equal(CodeA, await again.GetCodeAsync("1.2.3"));
        await Assert.ThrowsAsync<IndexCatalogException>(() => catalog.CreateVersionAsync("v1", new IndexVersionOptions(128)).AsTask());
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task The_active_pointer_moves_only_from_the_expected_version(string topology)
    {
        var catalog = Catalog(topology, out _);
        await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));
        await catalog.CreateVersionAsync("v2", new IndexVersionOptions(64));

        Assert.Null(await catalog.GetActiveVersionAsync());
        Assert.True(await catalog.TrySetActiveVersionAsync(null, "v1"));
        Assert.False(await catalog.TrySetActiveVersionAsync(null, "v2"));
        Assert.False(await catalog.TrySetActiveVersionAsync("v2", "v1"));
        Assert.True(await catalog.TrySetActiveVersionAsync("v1", "v2"));
        Assert.Equal("v2", await catalog.GetActiveVersionAsync());
        Assert.Equal("v2", (await catalog.OpenActiveAsync())!.Version);
        await Assert.ThrowsAsync<IndexCatalogException>(() => catalog.TrySetActiveVersionAsync("v2", "missing").AsTask());
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Concurrent_switches_from_the_same_version_let_exactly_one_win(string topology)
    {
        var catalog = Catalog(topology, out _);
        foreach (var v in new[] { "v0", "a", "b", "c", "d" })
        {
            await catalog.CreateVersionAsync(v, new IndexVersionOptions(64));
        }

        Assert.True(await catalog.TrySetActiveVersionAsync(null, "v0"));
        var wins = await Task.WhenAll(new[] { "a", "b", "c", "d" }.Select(v => catalog.TrySetActiveVersionAsync("v0", v).AsTask()));

        Assert.Single(wins, w => w);
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task Dropping_removes_every_key_of_the_version_in_batches_and_leaves_the_other_intact(string topology)
    {
        var catalog = Catalog(topology, out var prefix, new RedisIndexOptions { DropBatchSize = 50 });
        var old = await catalog.CreateVersionAsync("old", new IndexVersionOptions(64) { ExpectedItems = 2000 });
        var current = await catalog.CreateVersionAsync("new", new IndexVersionOptions(64) { ExpectedItems = 2000 });
        var codes = SyntheticCodes.Clustered(64, 5).Take(1500);
        await old.UpsertManyAsync(codes.Select((c, i) => new IndexEntry($"1.2.{i}", c)).ToList());
        await current.UpsertManyAsync(codes.Take(10).Select((c, i) => new IndexEntry($"1.2.{i}", c)).ToList());
        Assert.True(await catalog.TrySetActiveVersionAsync(null, "new"));

        await Assert.ThrowsAsync<IndexCatalogException>(() => catalog.DropVersionAsync("new").AsTask());
        await catalog.DropVersionAsync("old");

        var left = await KeysAsync(topology, prefix);
        Assert.DoesNotContain(left, k => k.Contains(":old:", StringComparison.Ordinal));
        Assert.Contains(left, k => k.Contains(":new:", StringComparison.Ordinal));
        Assert.Null(await catalog.OpenVersionAsync("old"));
        Assert.Equal(["new"], (await catalog.ListVersionsAsync()).Select(v => v.Version));
        Assert.Equal(10, await current.CountAsync());
        await Assert.ThrowsAsync<IndexCatalogException>(() => old.UpsertAsync("1.2.9999", CodeA).AsTask());
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public async Task An_interrupted_drop_is_finished_by_dropping_again(string topology)
    {
        var catalog = Catalog(topology, out var prefix);
        var version = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));
        await version.UpsertManyAsync(SyntheticCodes.Uniform(64, 9).Take(300).Select((c, i) => new IndexEntry($"1.3.{i}", c)).ToList());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => catalog.DropVersionAsync("v1", cancelled.Token).AsTask());
        Assert.Equal(IndexVersionState.Dropping, (await catalog.ListVersionsAsync()).Single().State);
        Assert.Null(await catalog.OpenVersionAsync("v1"));

        await catalog.DropVersionAsync("v1");
        Assert.Empty(await KeysAsync(topology, prefix + ":v1"));
        Assert.Empty(await catalog.ListVersionsAsync());
    }
}
