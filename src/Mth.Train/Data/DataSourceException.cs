namespace Mth.Train.Data;

/// <summary>A data source, split file or selector that cannot be used as given; the message says why.</summary>
public sealed class DataSourceException : Exception
{
    public DataSourceException(string message)
        : base(message)
    {
    }

    public DataSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
