namespace Mth.Contracts.V1;

/// <summary>Where the re-encoding of the stored instances for a new model version stands.</summary>
public sealed record ReencodingProgress
{
    public required string ModelVersion { get; init; }
    public required ReencodingPhase Phase { get; init; }
    public required long Total { get; init; }
    public required long Encoded { get; init; }
    public required long Skipped { get; init; }
    public required long Failed { get; init; }
    public required DateTimeOffset At { get; init; }
}

public enum ReencodingPhase
{
    Started,
    Running,
    Completed,
    Activated,
    Failed,
}
