using System.Text.Json.Serialization;

namespace Mth.Query.Api;

/// <summary>The answer of every similarity endpoint.</summary>
/// <param name="ModelVersion">The model (and index version) that produced every result.</param>
/// <param name="Level">"instance" (one result per instance) or "study" (one result per study: its best-matching instance).</param>
/// <param name="K">Results asked for; fewer come back when the version holds fewer.</param>
/// <param name="Exact">False only for a study search stopped by Query:MaxStudyCandidates before the ranking was proven.</param>
public sealed record SimilarResponse(
    string ModelVersion,
    string Level,
    int K,
    bool Exact,
    SimilarQuery Query,
    IReadOnlyList<SimilarResult> Results);

/// <summary>What was searched for.</summary>
/// <param name="SopInstanceUid">The stored instance searched by (instance searches).</param>
/// <param name="StudyInstanceUid">The stored study searched by (study searches), or the instance's study.</param>
/// <param name="Code">The query code in hex (the project's bit convention): the stored instance's code, or an upload's code as the active model computed it; absent when a study has several distinct codes.</param>
/// <param name="QueryCodes">Distinct codes searched (a study search searches every distinct code of its instances).</param>
public sealed record SimilarQuery(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SopInstanceUid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StudyInstanceUid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code,
    int QueryCodes);

/// <summary>One similar instance, or a study's best-matching instance.</summary>
/// <param name="Rank">1-based position: ascending distance, ties by SOP Instance UID (instances) or Study Instance UID (studies).</param>
/// <param name="Distance">Hamming distance between the codes.</param>
/// <param name="SeriesInstanceUid">From the instance catalog; null when the catalog has no record of the instance.</param>
/// <param name="QuerySopInstanceUid">Study searches: the query study's instance whose code is nearest to this result.</param>
public sealed record SimilarResult(
    int Rank,
    int Distance,
    string ModelVersion,
    string SopInstanceUid,
    string? SeriesInstanceUid,
    string? StudyInstanceUid,
    string? Modality,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? QuerySopInstanceUid = null);
