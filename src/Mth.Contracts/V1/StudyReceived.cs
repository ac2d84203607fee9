namespace Mth.Contracts.V1;

/// <summary>A study has been quiet (no new instance) for the configured time since its last instance arrived.</summary>
public sealed record StudyReceived
{
    public required string StudyInstanceUid { get; init; }
    public required int InstanceCount { get; init; }
    public required DateTimeOffset FirstStoredAt { get; init; }
    public required DateTimeOffset LastStoredAt { get; init; }
}
