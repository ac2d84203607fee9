namespace Mth.Core.Indexing;

public static class IndexCatalogExtensions
{
    /// <summary>The active version's index, or null when no version is active.</summary>
    public static async ValueTask<IHammingIndex?> OpenActiveAsync(this IIndexCatalog catalog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var active = await catalog.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        return active is null ? null : await catalog.OpenVersionAsync(active, cancellationToken).ConfigureAwait(false);
    }
}
