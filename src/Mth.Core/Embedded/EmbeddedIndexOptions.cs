namespace Mth.Core.Embedded;

/// <summary>Tuning of the embedded index's files.</summary>
public sealed record EmbeddedIndexOptions
{
    /// <summary>A snapshot replaces the log once the log is larger than this and than the last snapshot.</summary>
    public long SnapshotAfterLogBytes { get; init; } = 64L << 20;
}
