namespace Mth.Contracts.V1;

/// <summary>
/// Ingest stored a DICOM instance durably. Published once per C-STORE (again when a modality
/// re-sends the same SOP Instance UID: consumers are idempotent). Carries no patient data.
/// </summary>
public sealed record InstanceStored
{
    public required string SopInstanceUid { get; init; }
    public required string SopClassUid { get; init; }
    public required string StudyInstanceUid { get; init; }
    public required string SeriesInstanceUid { get; init; }

    /// <summary>(0008,0060), empty when absent.</summary>
    public string Modality { get; init; } = "";

    /// <summary>(0018,0015), empty when absent.</summary>
    public string BodyPartExamined { get; init; } = "";

    public required string TransferSyntaxUid { get; init; }

    /// <summary>Where the Part 10 file lives, relative to the instance store's root (derived from validated UIDs only).</summary>
    public required string StorageKey { get; init; }

    public required long SizeBytes { get; init; }
    public required DateTimeOffset StoredAt { get; init; }
}
