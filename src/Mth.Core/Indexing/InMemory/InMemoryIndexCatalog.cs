using Mth.Core.Indexing.Linear;
using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Core.Indexing.InMemory;

/// <summary>Which in-memory search method a catalog's versions use.</summary>
public enum InMemoryIndexMethod
{
    MultiIndexHashing,
    LinearScan,
}

/// <summary>
/// Versions held in process memory (nothing survives a restart; the embedded catalog persists them).
/// Catalog operations are serialised by one lock; searches and writes go to the versions themselves.
/// </summary>
public sealed class InMemoryIndexCatalog(InMemoryIndexMethod method = InMemoryIndexMethod.MultiIndexHashing) : IIndexCatalog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (IHammingIndex Index, IndexVersionOptions Options)> _versions = new(StringComparer.Ordinal);
    private string? _active;

    public ValueTask<IHammingIndex> CreateVersionAsync(string version, IndexVersionOptions options, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_versions.TryGetValue(version, out var existing))
            {
                if (!Compatible(existing.Options, options))
                {
                    throw new IndexCatalogException($"Version '{version}' exists with other options ({existing.Options.Bits} bits, {existing.Options.Layout()}).");
                }

                return ValueTask.FromResult(existing.Index);
            }

            IHammingIndex index = method == InMemoryIndexMethod.LinearScan
                ? new LinearScanIndex(version, options.Bits)
                : new MultiIndexHashingIndex(version, options);
            _versions.Add(version, (index, options));
            return ValueTask.FromResult(index);
        }
    }

    /// <summary>Same bits, and the same substring count when the new options name one; ExpectedItems only matters at creation.</summary>
    private static bool Compatible(IndexVersionOptions existing, IndexVersionOptions requested) =>
        existing.Bits == requested.Bits && (requested.SubstringCount is null || existing.Layout().Count == requested.SubstringCount);

    public ValueTask<IHammingIndex?> OpenVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_versions.TryGetValue(version, out var entry) ? entry.Index : null);
        }
    }

    public ValueTask<IReadOnlyList<IndexVersionInfo>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            IReadOnlyList<IndexVersionInfo> list = _versions
                .OrderBy(v => v.Key, StringComparer.Ordinal)
                .Select(v => new IndexVersionInfo(v.Key, v.Value.Options.Bits, v.Value.Options.Layout().Count, IndexVersionState.Ready))
                .ToList();
            return ValueTask.FromResult(list);
        }
    }

    public ValueTask<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_active);
        }
    }

    public ValueTask<bool> TrySetActiveVersionAsync(string? expectedActive, string newActive, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(newActive);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_versions.ContainsKey(newActive))
            {
                throw new IndexCatalogException($"Version '{newActive}' does not exist and cannot become active.");
            }

            if (!string.Equals(_active, expectedActive, StringComparison.Ordinal))
            {
                return ValueTask.FromResult(false);
            }

            _active = newActive;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask DropVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateVersion(version);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (string.Equals(_active, version, StringComparison.Ordinal))
            {
                throw new IndexCatalogException($"Version '{version}' is active; make another version active before dropping it.");
            }

            // Searches still running on the dropped version finish on their own reference to it.
            _versions.Remove(version);
        }

        return ValueTask.CompletedTask;
    }
}
