using System.Globalization;
using Mth.Core.Instances;
using StackExchange.Redis;

namespace Mth.Index.Redis;

/// <summary>
/// Instance records in Redis, single node or cluster (docs/index.md, "Instance catalog"). One hash per
/// instance under its study's hash tag, <c>{P:study:&lt;StudyUID&gt;}:&lt;SopUID&gt;</c>, beside the study's set of
/// SOP Instance UIDs <c>{P:study:&lt;StudyUID&gt;}:sops</c>: a record and its study membership change together in
/// one script on one slot, and a study's instances are one SMEMBERS on one node. A SOP Instance UID finds
/// its study through 64 locator hashes <c>{P:sop-study:&lt;n&gt;}</c> (n = FNV-1a(SopUID) mod 64, fixed forever),
/// spread over the cluster's slots; their lengths sum to the count. The locator is written last and removed
/// last, so a record that can be found is complete; a crash between the two leaves what a redelivery repairs.
/// Per study, in the same scripts and slot: series and modality counts (<c>:series</c>, <c>:modalities</c> hashes).
/// Recently stored studies: the sorted set <c>{P:studies}:recent</c>, scored by the counter <c>{P:studies}:seq</c>,
/// moved up for each study whose records changed, before the locators are written.
/// </summary>
public sealed class RedisInstanceCatalog : IInstanceCatalog
{
    public const int LocatorShards = 64;

    /// <summary>Pages of the recent-studies set one listing reads at most (bounds the work when many listed studies were emptied).</summary>
    public const int MaxRecentPages = 8;

    // KEYS: record, study's SOP set, study's series counts, study's modality counts. Returns 1 when something changed.
    private const string PutScript = """
        local cur = redis.call('HMGET', KEYS[1], 'series', 'class', 'modality', 'body', 'key')
        if cur[1] == ARGV[1] and cur[2] == ARGV[2] and cur[3] == ARGV[3] and cur[4] == ARGV[4] and cur[5] == ARGV[5]
           and redis.call('SISMEMBER', KEYS[2], ARGV[6]) == 1 then
          return 0
        end
        local function dec(key, field)
          if field and redis.call('HINCRBY', key, field, -1) <= 0 then redis.call('HDEL', key, field) end
        end
        if cur[5] then
          dec(KEYS[3], cur[1])
          dec(KEYS[4], cur[3])
        end
        redis.call('HSET', KEYS[1], 'series', ARGV[1], 'class', ARGV[2], 'modality', ARGV[3], 'body', ARGV[4], 'key', ARGV[5])
        redis.call('SADD', KEYS[2], ARGV[6])
        redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
        redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
        return 1
        """;

    private const string RemoveScript = """
        local cur = redis.call('HMGET', KEYS[1], 'series', 'modality')
        local existed = redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        if existed == 1 then
          for i, key in ipairs({KEYS[3], KEYS[4]}) do
            if cur[i] and redis.call('HINCRBY', key, cur[i], -1) <= 0 then redis.call('HDEL', key, cur[i]) end
          end
        end
        return existed
        """;

    // KEYS: the recent-studies sorted set, its counter. ARGV: studies that changed, in order.
    private const string TouchStudiesScript = """
        for _, study in ipairs(ARGV) do
          redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), study)
        end
        return #ARGV
        """;

    private static readonly RedisValue[] Fields = ["series", "class", "modality", "body", "key"];

    private readonly IDatabase _database;
    private readonly string _prefix;
    private readonly RedisKey[] _locators;
    private readonly RedisKey _recentStudies;
    private readonly RedisKey _recentCounter;

    public RedisInstanceCatalog(IConnectionMultiplexer connection, string keyPrefix = "mth")
    {
        ArgumentNullException.ThrowIfNull(connection);
        _prefix = RedisIndexOptions.ValidatePrefix(keyPrefix);
        _database = connection.GetDatabase();
        _locators = Enumerable.Range(0, LocatorShards)
            .Select(n => (RedisKey)string.Create(CultureInfo.InvariantCulture, $"{{{_prefix}:sop-study:{n}}}"))
            .ToArray();
        _recentStudies = $"{{{_prefix}:studies}}:recent";
        _recentCounter = $"{{{_prefix}:studies}}:seq";
    }

    public string KeyPrefix => _prefix;

    public ValueTask PutAsync(InstanceRecord record, CancellationToken cancellationToken = default) =>
        PutManyAsync([record], cancellationToken);

    /// <summary>Three round trips for the whole batch: read the locators, write the records, write the changed locators.</summary>
    public async ValueTask PutManyAsync(IReadOnlyList<InstanceRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            InstanceRecords.Validate(record);
        }

        cancellationToken.ThrowIfCancellationRequested();
        // The last record of a SOP Instance UID wins, as if they had been written one after the other.
        var latest = records.GroupBy(r => r.SopInstanceUid, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        var located = await Task.WhenAll(latest.Select(r => _database.HashGetAsync(Locator(r.SopInstanceUid), r.SopInstanceUid))).ConfigureAwait(false);

        var writes = new List<Task>(latest.Count * 2);
        var puts = new Task<RedisResult>[latest.Count];
        for (var i = 0; i < latest.Count; i++)
        {
            var record = latest[i];
            var previousStudy = located[i];
            if (!previousStudy.IsNull && previousStudy != record.StudyInstanceUid)
            {
                // Moved to another study (a corrected study UID): leave the old study first.
                writes.Add(_database.ScriptEvaluateAsync(RemoveScript, StudyKeys(previousStudy!, record.SopInstanceUid), [record.SopInstanceUid]));
            }

            puts[i] = _database.ScriptEvaluateAsync(PutScript, StudyKeys(record.StudyInstanceUid, record.SopInstanceUid),
                [record.SeriesInstanceUid, record.SopClassUid, record.Modality, record.BodyPartExamined, record.StorageKey, record.SopInstanceUid]);
            writes.Add(puts[i]);
        }

        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);

        // Recency before the locators: a crash in between is repaired by the redelivery, which finds no locator.
        var touched = latest.Where((r, i) => (int)puts[i].Result == 1 || located[i] != r.StudyInstanceUid)
            .Select(r => (RedisValue)r.StudyInstanceUid).Distinct().ToArray();
        if (touched.Length > 0)
        {
            await _database.ScriptEvaluateAsync(TouchStudiesScript, [_recentStudies, _recentCounter], touched).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var locatorWrites = new List<Task>();
        for (var i = 0; i < latest.Count; i++)
        {
            if (located[i] != latest[i].StudyInstanceUid)
            {
                locatorWrites.Add(_database.HashSetAsync(Locator(latest[i].SopInstanceUid), latest[i].SopInstanceUid, latest[i].StudyInstanceUid));
            }
        }

        await Task.WhenAll(locatorWrites).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<InstanceRecord?> GetAsync(string sopInstanceUid, CancellationToken cancellationToken = default)
    {
        var found = await GetManyAsync([sopInstanceUid], cancellationToken).ConfigureAwait(false);
        return found.GetValueOrDefault(sopInstanceUid);
    }

    public async ValueTask<IReadOnlyDictionary<string, InstanceRecord>> GetManyAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sopInstanceUids);
        foreach (var uid in sopInstanceUids)
        {
            InstanceRecords.ValidateUid(uid, nameof(sopInstanceUids));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var uids = sopInstanceUids.Distinct(StringComparer.Ordinal).ToList();
        var byLocator = uids.GroupBy(ShardOf).ToList();
        var studies = await Task.WhenAll(byLocator.Select(g => _database.HashGetAsync(_locators[g.Key], g.Select(u => (RedisValue)u).ToArray()))).WaitAsync(cancellationToken).ConfigureAwait(false);

        var pending = new List<(string Sop, string Study, Task<RedisValue[]> Fields)>();
        for (var g = 0; g < byLocator.Count; g++)
        {
            var group = byLocator[g].ToList();
            for (var i = 0; i < group.Count; i++)
            {
                if (!studies[g][i].IsNull)
                {
                    var study = studies[g][i].ToString();
                    pending.Add((group[i], study, _database.HashGetAsync(InstanceKey(study, group[i]), Fields)));
                }
            }
        }

        await Task.WhenAll(pending.Select(p => p.Fields)).WaitAsync(cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, InstanceRecord>(StringComparer.Ordinal);
        foreach (var (sop, study, fields) in pending)
        {
            var values = fields.Result;
            if (values[0].IsNull || values[4].IsNull)
            {
                continue; // the locator was written, the record not (or no longer): absent
            }

            result[sop] = new InstanceRecord
            {
                SopInstanceUid = sop,
                StudyInstanceUid = study,
                SeriesInstanceUid = values[0].ToString(),
                SopClassUid = values[1].ToString(),
                Modality = values[2].IsNull ? "" : values[2].ToString(),
                BodyPartExamined = values[3].IsNull ? "" : values[3].ToString(),
                StorageKey = values[4].ToString(),
            };
        }

        return result;
    }

    public async ValueTask<IReadOnlyList<string>> GetStudyInstancesAsync(string studyInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(studyInstanceUid, nameof(studyInstanceUid));
        cancellationToken.ThrowIfCancellationRequested();
        var members = await _database.SetMembersAsync(StudyKey(studyInstanceUid)).ConfigureAwait(false);
        return members.Select(m => m.ToString()).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Reads the recent-studies sorted set from its newest end in pages, and each study's counts (one slot per study,
    /// pipelined). Studies left empty by deletes stay in the set (removing them there could race with a new instance
    /// of the study) and are passed over; at most <see cref="MaxRecentPages"/> pages are read per call.
    /// </summary>
    public async ValueTask<IReadOnlyList<StudySummary>> ListRecentStudiesAsync(int limit, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateStudyListLimit(limit);
        var result = new List<StudySummary>(limit);
        var pageSize = Math.Min(2 * limit, 2 * InstanceRecords.MaxStudyListLimit);
        for (var page = 0; page < MaxRecentPages && result.Count < limit; page++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var studies = await _database.SortedSetRangeByRankAsync(_recentStudies, (long)page * pageSize, ((long)page + 1) * pageSize - 1, Order.Descending).ConfigureAwait(false);
            var reads = studies.Select(s => s.ToString()).Select(study => (
                Study: study,
                Count: _database.SetLengthAsync(StudyKey(study)),
                Series: _database.HashLengthAsync($"{{{_prefix}:study:{study}}}:series"),
                Modalities: _database.HashKeysAsync($"{{{_prefix}:study:{study}}}:modalities"))).ToList();
            await Task.WhenAll(reads.SelectMany(r => new Task[] { r.Count, r.Series, r.Modalities })).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var read in reads)
            {
                if (read.Count.Result > 0 && result.Count < limit)
                {
                    var modalities = read.Modalities.Result.Select(m => m.ToString()).Where(m => m.Length > 0).Order(StringComparer.Ordinal).ToArray();
                    result.Add(new StudySummary(read.Study, (int)read.Count.Result, (int)read.Series.Result, modalities));
                }
            }

            if (studies.Length < pageSize)
            {
                break;
            }
        }

        return result;
    }

    public async ValueTask<bool> DeleteAsync(string sopInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(sopInstanceUid, nameof(sopInstanceUid));
        cancellationToken.ThrowIfCancellationRequested();
        var locator = Locator(sopInstanceUid);
        var study = await _database.HashGetAsync(locator, sopInstanceUid).ConfigureAwait(false);
        if (study.IsNull)
        {
            return false;
        }

        await _database.ScriptEvaluateAsync(RemoveScript, StudyKeys(study!, sopInstanceUid), [sopInstanceUid]).ConfigureAwait(false);
        return await _database.HashDeleteAsync(locator, sopInstanceUid).ConfigureAwait(false);
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lengths = await Task.WhenAll(_locators.Select(k => _database.HashLengthAsync(k))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return lengths.Sum();
    }

    private RedisKey InstanceKey(string study, string sop) => $"{{{_prefix}:study:{study}}}:{sop}";

    /// <summary>The keys of the put and remove scripts: record, SOP set, series counts, modality counts (one slot).</summary>
    private RedisKey[] StudyKeys(string study, string sop) =>
        [InstanceKey(study, sop), StudyKey(study), $"{{{_prefix}:study:{study}}}:series", $"{{{_prefix}:study:{study}}}:modalities"];

    private RedisKey StudyKey(string study) => $"{{{_prefix}:study:{study}}}:sops";

    private RedisKey Locator(string sop) => _locators[ShardOf(sop)];

    /// <summary>FNV-1a (64-bit) of the UID's bytes modulo <see cref="LocatorShards"/>. Fixed forever: changing it would orphan stored locators.</summary>
    private static int ShardOf(string sop) => RedisKeyLayout.ShardOf(sop, LocatorShards);
}
