using Mth.Core.Coordination;
using Mth.Core.Embedded;
using Mth.Testing.Coordination;
using Mth.Testing.Dicom;

namespace Mth.Core.Tests.Coordination;

public sealed class InMemoryCoordinationStoreTests : CoordinationStoreContract
{
    protected override Task<ICoordinationStore> CreateStoreAsync() => Task.FromResult<ICoordinationStore>(new InMemoryCoordinationStore());
}

/// <summary>The embedded store follows the contract and keeps documents and revisions across restarts.</summary>
public sealed class EmbeddedCoordinationStoreTests : CoordinationStoreContract
{
    private readonly string _root;

    public EmbeddedCoordinationStoreTests() => _root = Owned(new TemporaryDirectory("mth-coordination-")).Path;

    protected override Task<ICoordinationStore> CreateStoreAsync() => Task.FromResult<ICoordinationStore>(Open(Path.Combine(_root, Guid.NewGuid().ToString("N"))));

    /// <summary>Opens the store in <paramref name="folder"/>, to be closed when the test ends.</summary>
    private EmbeddedCoordinationStore Open(string folder) => Owned(EmbeddedCoordinationStore.Open(folder));

    [Fact]
    public async Task Documents_and_their_revisions_survive_a_restart()
    {
        var folder = Path.Combine(_root, "restart");
        var store = Open(folder);
        await store.TryWriteAsync("reencoding/job/v2", "{\"phase\":\"running\"}", 0);
        await store.TryWriteAsync("reencoding/job/v2", "{\"phase\":\"activated\"}", 1);
        await store.TryWriteAsync("gone", "x", 0);
        await store.DeleteAsync("gone");
        store.Dispose();

        var reopened = Open(folder);
        Assert.Equal(new CoordinationDocument("reencoding/job/v2", "{\"phase\":\"activated\"}", 2), await reopened.GetAsync("reencoding/job/v2"));
        Assert.Null(await reopened.GetAsync("gone"));
        Assert.Null(await reopened.TryWriteAsync("reencoding/job/v2", "stale", 1));
    }

    [Fact]
    public async Task A_compacted_log_keeps_the_latest_state_and_stays_small()
    {
        var folder = Path.Combine(_root, "compaction");
        var store = Open(folder);
        var large = new string('x', 200_000);
        long revision = 0;
        for (var i = 0; i < 60; i++)
        {
            // 60 writes of 200 kB to one key (12 MB written) and a key created and deleted each time.
            revision = (await store.TryWriteAsync("progress", large + i, revision))!.Value;
            await store.TryWriteAsync($"transient/{i}", large, 0);
            await store.DeleteAsync($"transient/{i}");
        }

        await store.TryWriteAsync("last", "deleted next", 0);
        await store.DeleteAsync("last");
        store.Dispose();

        Assert.InRange(new FileInfo(Path.Combine(folder, "coordination.log")).Length, 0, 8L << 20);
        var reopened = Open(folder);
        Assert.Equal(new CoordinationDocument("progress", large + 59, 60), await reopened.GetAsync("progress"));
        Assert.Null(await reopened.GetAsync("transient/59"));
        Assert.Null(await reopened.GetAsync("last"));
    }
}
