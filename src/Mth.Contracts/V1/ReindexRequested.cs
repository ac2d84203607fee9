namespace Mth.Contracts.V1;

/// <summary>
/// Asks the encoders to rebuild an index version from the stored instances (`./mth reindex`): after Redis
/// lost its data, or to fill a new cluster. One encoder takes it and starts a re-encoding that all share;
/// progress arrives as <see cref="ReencodingProgress"/>. Rebuilding the active version does not switch anything.
/// </summary>
public sealed record ReindexRequested
{
    /// <summary>The model (and index) version to rebuild; null: the active one.</summary>
    public string? ModelVersion { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }
}
