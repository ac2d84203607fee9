namespace Mth.Contracts.V1;

/// <summary>
/// A study has been quiet: no instance of it was stored for Ingest's quiet period
/// (<c>Ingest:StudyQuietPeriod</c>) since <see cref="LastStoredAt"/>. Announced once per quiet
/// period; a study that receives instances again later is announced again (with the new period).
/// </summary>
public sealed record StudyReceived
{
    public required string StudyInstanceUid { get; init; }

    /// <summary>Instances of the study in the instance store when it was announced (all periods, each SOP Instance UID once).</summary>
    public required int InstanceCount { get; init; }

    /// <summary>When the first instance of this period was stored.</summary>
    public required DateTimeOffset FirstStoredAt { get; init; }

    /// <summary>When the last instance of this period was stored.</summary>
    public required DateTimeOffset LastStoredAt { get; init; }
}
