using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Instances;

namespace Mth.Query.Search;

/// <summary>
/// Ranks studies by their best match: a study's distance is the smallest distance between any query code and
/// any of its instances, ties broken by Study Instance UID; the study's representative is its nearest instance
/// (ties: smaller SOP Instance UID, then smaller query instance UID). Exact: each query code's neighbour list is
/// widened (doubling) until every list either ends beyond the k-th study's distance or holds the whole version,
/// because an instance not yet seen by a list is at least as far as that list's last entry.
/// </summary>
internal sealed class StudyRanking(IVersionSearch search, InstanceRecordCache instances, int maxCandidates)
{
    private const int SearchParallelism = 8;

    private readonly Dictionary<string, InstanceRecord?> _records = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, InstanceRecord?> Records => _records;

    /// <param name="queries">The distinct query codes, each with the instance it stands for (null for an upload).</param>
    /// <param name="excludedStudy">The query's own study (its instances are never results), or null.</param>
    /// <param name="excludedIds">Instances never returned (the query study's instances as the catalog lists them).</param>
    public async Task<(IReadOnlyList<StudyMatch> Matches, bool Exact)> RankAsync(
        IReadOnlyList<(BinaryCode Code, string? QueryId)> queries, int k, string? excludedStudy, IReadOnlySet<string> excludedIds, CancellationToken cancellationToken)
    {
        var initial = Math.Min(maxCandidates, checked(k + excludedIds.Count + 16));
        var lists = queries.Select(q => new NeighbourList(q.Code, q.QueryId, initial)).ToList();
        while (true)
        {
            var pending = lists.Where(l => l.Results is null).ToList();
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = SearchParallelism, CancellationToken = cancellationToken },
                async (list, ct) => list.Results = await search.SearchNearestAsync(list.Code, list.Limit, ct).ConfigureAwait(false)).ConfigureAwait(false);
            await ResolveRecordsAsync(lists, excludedIds, cancellationToken).ConfigureAwait(false);

            var ranked = Aggregate(lists, excludedStudy, excludedIds);
            var kth = ranked.Count >= k ? ranked[k - 1].Distance : int.MaxValue;
            // A truncated list whose last distance is within the k-th study's distance may hide a better or tied study.
            var widen = lists.Where(l => l.Results!.Count == l.Limit && l.Results[^1].Distance <= kth).ToList();
            if (widen.Count == 0)
            {
                return (ranked.Take(k).ToList(), true);
            }

            if (widen.All(l => l.Limit >= maxCandidates))
            {
                return (ranked.Take(k).ToList(), false);
            }

            foreach (var list in widen.Where(l => l.Limit < maxCandidates))
            {
                list.Limit = (int)Math.Min(maxCandidates, 2L * list.Limit);
                list.Results = null;
            }
        }
    }

    private async Task ResolveRecordsAsync(List<NeighbourList> lists, IReadOnlySet<string> excludedIds, CancellationToken cancellationToken)
    {
        var unknown = lists.SelectMany(l => l.Results!).Select(n => n.Id)
            .Where(id => !excludedIds.Contains(id) && !_records.ContainsKey(id))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        var found = await instances.GetManyAsync(unknown, cancellationToken).ConfigureAwait(false);
        foreach (var id in unknown)
        {
            _records[id] = found.GetValueOrDefault(id);
        }
    }

    private List<StudyMatch> Aggregate(List<NeighbourList> lists, string? excludedStudy, IReadOnlySet<string> excludedIds)
    {
        var best = new Dictionary<string, StudyMatch>(StringComparer.Ordinal);
        foreach (var list in lists)
        {
            foreach (var neighbour in list.Results!)
            {
                // Instances the catalog does not know cannot be placed in a study: they are left out.
                if (excludedIds.Contains(neighbour.Id) || _records[neighbour.Id] is not { } record
                    || string.Equals(record.StudyInstanceUid, excludedStudy, StringComparison.Ordinal))
                {
                    continue;
                }

                var candidate = new StudyMatch(record.StudyInstanceUid, neighbour.Distance, record, list.QueryId);
                if (!best.TryGetValue(record.StudyInstanceUid, out var current) || candidate.Precedes(current))
                {
                    best[record.StudyInstanceUid] = candidate;
                }
            }
        }

        var ranked = best.Values.ToList();
        ranked.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : string.CompareOrdinal(a.StudyInstanceUid, b.StudyInstanceUid));
        return ranked;
    }

    private sealed class NeighbourList(BinaryCode code, string? queryId, int limit)
    {
        public BinaryCode Code { get; } = code;

        public string? QueryId { get; } = queryId;

        public int Limit { get; set; } = limit;

        public IReadOnlyList<Neighbor>? Results { get; set; }
    }
}

/// <summary>A study's best match: its nearest instance and the query instance it is nearest to.</summary>
internal sealed record StudyMatch(string StudyInstanceUid, int Distance, InstanceRecord Instance, string? QueryId)
{
    public bool Precedes(StudyMatch other)
    {
        if (Distance != other.Distance)
        {
            return Distance < other.Distance;
        }

        var byInstance = string.CompareOrdinal(Instance.SopInstanceUid, other.Instance.SopInstanceUid);
        return byInstance != 0 ? byInstance < 0 : string.CompareOrdinal(QueryId, other.QueryId) < 0;
    }
}
