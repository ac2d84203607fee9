namespace Mth.Query.Api;

/// <summary>The answer of <c>GET /v1/studies</c>: recently stored studies, the last changed first.</summary>
public sealed record StudyListResponse(IReadOnlyList<StudyListItem> Studies);

/// <summary>One stored study as the instance catalog knows it (no patient data).</summary>
/// <param name="Instances">Instances the catalog records for the study.</param>
/// <param name="Series">Distinct Series Instance UIDs among them.</param>
/// <param name="Modalities">Distinct non-empty modalities among them, in ordinal order.</param>
public sealed record StudyListItem(string StudyInstanceUid, int Instances, int Series, IReadOnlyList<string> Modalities);

/// <summary>The answer of <c>GET /v1/studies/{studyInstanceUid}/instances</c>.</summary>
/// <param name="Total">Instances the study has; <see cref="Instances"/> holds the first <c>limit</c> of them by SOP Instance UID.</param>
public sealed record StudyInstancesResponse(string StudyInstanceUid, int Total, IReadOnlyList<StudyInstanceItem> Instances);

/// <summary>One instance of a study.</summary>
public sealed record StudyInstanceItem(string SopInstanceUid, string SeriesInstanceUid, string Modality);
