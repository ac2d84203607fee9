namespace Mth.Core.Instances;

/// <summary>
/// What the system keeps about a stored DICOM instance beside its code: the identifiers a
/// similar-case answer needs, and where the file lives. No patient data.
/// </summary>
public sealed record InstanceRecord
{
    public required string SopInstanceUid { get; init; }
    public required string StudyInstanceUid { get; init; }
    public required string SeriesInstanceUid { get; init; }
    public required string SopClassUid { get; init; }
    public string Modality { get; init; } = "";
    public string BodyPartExamined { get; init; } = "";

    /// <summary>The Part 10 file, relative to the instance store's root.</summary>
    public required string StorageKey { get; init; }
}
