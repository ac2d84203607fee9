using Mth.Core.Coordination;
using Mth.Core.Embedded;
using Mth.Testing.Coordination;

namespace Mth.Core.Tests.Coordination;

public sealed class InMemoryCoordinationStoreTests : CoordinationStoreContract
{
    protected override Task<ICoordinationStore> CreateStoreAsync() => Task.FromResult<ICoordinationStore>(new InMemoryCoordinationStore());
}

/// <summary>The embedded store follows the contract and keeps documents and revisions across restarts.</summary>
public sealed class EmbeddedCoordinationStoreTests : CoordinationStoreContract, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mth-coordination-").FullName;
    private readonly List<EmbeddedCoordinationStore> _open = [];

    protected override Task<ICoordinationStore> CreateStoreAsync() => Task.FromResult<ICoordinationStore>(Open(Path.Combine(_root, Guid.NewGuid().ToString("N"))));

    private EmbeddedCoordinationStore Open(string folder)
    {
        var store = EmbeddedCoordinationStore.Open(folder);
        _open.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _open)
        {
            store.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

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
}
