namespace Mth.Core.Indexing;

/// <summary>A catalog operation that the current state forbids (dropping the active version, conflicting options, unknown version).</summary>
public sealed class IndexCatalogException : InvalidOperationException
{
    public IndexCatalogException(string message)
        : base(message)
    {
    }

    public IndexCatalogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IndexCatalogException()
    {
    }
}
