namespace Mth.Core.Instances;

/// <summary>
/// One study as the instance catalog knows it: how many instances and series it holds and which modalities
/// they have. Listed by <see cref="IInstanceCatalog.ListRecentStudiesAsync"/>; no patient data.
/// </summary>
/// <param name="Modalities">The distinct non-empty modalities of the study's instances, in ordinal order.</param>
public sealed record StudySummary(string StudyInstanceUid, int InstanceCount, int SeriesCount, IReadOnlyList<string> Modalities);
