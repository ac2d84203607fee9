using Mth.Core.Coordination;
using Xunit;

namespace Mth.Testing.Coordination;

/// <summary>
/// What every <see cref="ICoordinationStore"/> does; each implementation's test class derives from this and says how
/// to make an empty store (handing what it opens to <see cref="OwningTests.Owned{T}"/>).
/// </summary>
public abstract class CoordinationStoreContract : OwningTests
{
    /// <summary>A new, empty store (isolated from other tests).</summary>
    protected abstract Task<ICoordinationStore> CreateStoreAsync();

    [Fact]
    public async Task A_document_is_created_only_when_the_key_has_none()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetAsync("jobs/a"));
        Assert.Equal(1, await store.TryWriteAsync("jobs/a", "{\"x\":1}", 0));
        Assert.Null(await store.TryWriteAsync("jobs/a", "{\"x\":2}", 0));
        Assert.Equal(new CoordinationDocument("jobs/a", "{\"x\":1}", 1), await store.GetAsync("jobs/a"));
    }

    [Fact]
    public async Task A_write_succeeds_only_against_the_revision_it_read()
    {
        var store = await CreateStoreAsync();
        await store.TryWriteAsync("k", "one", 0);
        Assert.Equal(2, await store.TryWriteAsync("k", "two", 1));
        Assert.Null(await store.TryWriteAsync("k", "stale", 1));
        Assert.Equal(3, await store.TryWriteAsync("k", "three ünïcode", 2));
        Assert.Equal(new CoordinationDocument("k", "three ünïcode", 3), await store.GetAsync("k"));
    }

    [Fact]
    public async Task Concurrent_read_modify_write_loops_lose_no_increment()
    {
        var store = await CreateStoreAsync();
        await store.TryWriteAsync("counter", "0", 0);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                while (true)
                {
                    var current = (await store.GetAsync("counter"))!;
                    var next = (int.Parse(current.Value, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (await store.TryWriteAsync("counter", next, current.Revision) is not null)
                    {
                        break;
                    }
                }
            }
        })));
        Assert.Equal("100", (await store.GetAsync("counter"))!.Value);
        Assert.Equal(101, (await store.GetAsync("counter"))!.Revision);
    }

    [Fact]
    public async Task A_deleted_document_is_gone_and_its_key_can_be_created_again()
    {
        var store = await CreateStoreAsync();
        await store.TryWriteAsync("k", "v", 0);
        Assert.True(await store.DeleteAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
        Assert.Null(await store.GetAsync("k"));
        Assert.Equal(1, await store.TryWriteAsync("k", "again", 0));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("{tag}")]
    public async Task A_key_outside_the_allowed_characters_is_refused(string key)
    {
        var store = await CreateStoreAsync();
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.TryWriteAsync(key, "v", 0));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync(key));
    }
}
