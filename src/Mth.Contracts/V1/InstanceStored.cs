namespace Mth.Contracts.V1;

/// <summary>
/// Ingest stored a DICOM instance durably. Published at least once per successful C-STORE
/// (again when a modality re-sends the same SOP Instance UID, and possibly twice after a broker
/// or Ingest failure: consumers are idempotent, keyed by SOP Instance UID; a redelivery from the
/// outbox keeps its MessageId). Carries no patient data.
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

    /// <summary>When Ingest had received the whole data set (UTC), before it was made durable.</summary>
    public required DateTimeOffset StoredAt { get; init; }

    /// <summary>Whether the data set holds top-level Pixel Data (7FE0,0010); encoders skip objects without it. Added in 1.1; absent means true.</summary>
    public bool HasPixelData { get; init; } = true;

    /// <summary>The calling AE title of the association that sent it (not patient data). Added in 1.1; empty when unknown.</summary>
    public string SourceAeTitle { get; init; } = "";
}
