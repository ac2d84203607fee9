using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Indexing.InMemory;

namespace Mth.Core.Tests.Indexing;

public sealed class InMemoryIndexCatalogTests
{
    [Fact]
    public async Task A_new_version_is_filled_while_the_old_one_is_active_then_switched_and_the_old_one_dropped()
    {
        var catalog = new InMemoryIndexCatalog();
        var old = await catalog.CreateVersionAsync("model-1", new IndexVersionOptions(64));
        await old.UpsertAsync("1.2.3", BinaryCode.FromHex("0000000000000001"));
        Assert.True(await catalog.TrySetActiveVersionAsync(null, "model-1"));

        var next = await catalog.CreateVersionAsync("model-2", new IndexVersionOptions(64));
        await next.UpsertAsync("1.2.3", BinaryCode.FromHex("ff00000000000001"));
        Assert.Equal("model-1", (await catalog.OpenActiveAsync())!.Version);

        Assert.False(await catalog.TrySetActiveVersionAsync(null, "model-2"));
        Assert.True(await catalog.TrySetActiveVersionAsync("model-1", "model-2"));
        await Assert.ThrowsAsync<IndexCatalogException>(() => catalog.DropVersionAsync("model-2").AsTask());
        await catalog.DropVersionAsync("model-1");

        Assert.Null(await catalog.OpenVersionAsync("model-1"));
        Assert.Equal(["model-2"], (await catalog.ListVersionsAsync()).Select(v => v.Version));
        Assert.Equal(BinaryCode.FromHex("ff00000000000001"), await (await catalog.OpenActiveAsync())!.GetCodeAsync("1.2.3"));
    }

    [Fact]
    public async Task Creating_a_version_twice_returns_the_same_index_and_other_options_are_refused()
    {
        var catalog = new InMemoryIndexCatalog(InMemoryIndexMethod.LinearScan);
        var first = await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64));

        Assert.Same(first, await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64)));
        Assert.Same(first, await catalog.CreateVersionAsync("v1", new IndexVersionOptions(64) { ExpectedItems = 50_000_000 }));
        await Assert.ThrowsAsync<IndexCatalogException>(() => catalog.CreateVersionAsync("v1", new IndexVersionOptions(32)).AsTask());
        await Assert.ThrowsAsync<IndexCatalogException>(() => catalog.TrySetActiveVersionAsync(null, "v9").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => catalog.CreateVersionAsync("../etc", new IndexVersionOptions(64)).AsTask());
    }
}
