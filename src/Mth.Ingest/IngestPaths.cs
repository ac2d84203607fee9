using Microsoft.Extensions.Options;
using Mth.Dicom.Network.Storage;
using Mth.Hosting.Storage;

namespace Mth.Ingest;

/// <summary>Where Ingest keeps things: the instance store's root, its incoming folder, and Ingest's own state (outbox, study activity).</summary>
public sealed class IngestPaths
{
    public IngestPaths(IOptions<InstanceStoreOptions> store, IOptions<IngestOptions> ingest)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ingest);
        Root = Path.GetFullPath(store.Value.Root);
        Incoming = Path.Combine(Root, PartialInstanceFile.IncomingFolderName);
        State = Path.GetFullPath(ingest.Value.StateFolder ?? Path.Combine(Root, ".ingest"));
        Outbox = Path.Combine(State, "outbox");
        StudyActivity = Path.Combine(State, "studies.json");
    }

    public string Root { get; }

    public string Incoming { get; }

    public string State { get; }

    public string Outbox { get; }

    public string StudyActivity { get; }

    /// <summary>The full path of an instance; null when the key does not have the store's shape.</summary>
    public string? Resolve(string storageKey) => InstanceStorageKey.TryResolve(Root, storageKey, out var path) ? path : null;
}
