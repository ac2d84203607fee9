namespace Mth.Core.Indexing;

/// <summary>
/// The versions of one index (one version per model version) and the "active version" pointer that
/// queries follow. A new model's version is created and filled while the old one stays active, the
/// pointer moves in one atomic compare-and-set, and the old version is dropped after a grace period.
/// </summary>
public interface IIndexCatalog
{
    /// <summary>
    /// Creates a version, or opens it when it exists with the same options (idempotent). Throws
    /// <see cref="IndexCatalogException"/> when it exists with other options or is being dropped.
    /// </summary>
    ValueTask<IHammingIndex> CreateVersionAsync(string version, IndexVersionOptions options, CancellationToken cancellationToken = default);

    /// <summary>The version, or null when it does not exist or is being dropped.</summary>
    ValueTask<IHammingIndex?> OpenVersionAsync(string version, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<IndexVersionInfo>> ListVersionsAsync(CancellationToken cancellationToken = default);

    /// <summary>The active version's name, or null when none was set.</summary>
    ValueTask<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Compare-and-set of the active pointer: it becomes <paramref name="newActive"/> only when it is
    /// currently <paramref name="expectedActive"/> (null: no active version yet). False when another
    /// writer moved it first. Throws <see cref="IndexCatalogException"/> when <paramref name="newActive"/> is not a usable version.
    /// </summary>
    ValueTask<bool> TrySetActiveVersionAsync(string? expectedActive, string newActive, CancellationToken cancellationToken = default);

    /// <summary>Removes a version and all its data, in batches. Throws <see cref="IndexCatalogException"/> for the active version.
    /// The version disappears from <see cref="OpenVersionAsync"/> at once; the data goes as the returned task runs.
    /// Calling it again (after a crash) finishes an interrupted drop.</summary>
    ValueTask DropVersionAsync(string version, CancellationToken cancellationToken = default);
}
