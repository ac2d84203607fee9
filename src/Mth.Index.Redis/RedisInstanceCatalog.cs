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
/// </summary>
public sealed class RedisInstanceCatalog : IInstanceCatalog
{
    public const int LocatorShards = 64;

    private const string PutScript = """
        local cur = redis.call('HMGET', KEYS[1], 'series', 'class', 'modality', 'body', 'key')
        if cur[1] == ARGV[1] and cur[2] == ARGV[2] and cur[3] == ARGV[3] and cur[4] == ARGV[4] and cur[5] == ARGV[5]
           and redis.call('SISMEMBER', KEYS[2], ARGV[6]) == 1 then
          return 0
        end
        redis.call('HSET', KEYS[1], 'series', ARGV[1], 'class', ARGV[2], 'modality', ARGV[3], 'body', ARGV[4], 'key', ARGV[5])
        redis.call('SADD', KEYS[2], ARGV[6])
        return 1
        """;

    private const string RemoveScript = """
        local existed = redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        return existed
        """;

    private static readonly RedisValue[] Fields = ["series", "class", "modality", "body", "key"];

    private readonly IDatabase _database;
    private readonly string _prefix;
    private readonly RedisKey[] _locators;

    public RedisInstanceCatalog(IConnectionMultiplexer connection, string keyPrefix = "mth")
    {
        ArgumentNullException.ThrowIfNull(connection);
        _prefix = RedisIndexOptions.ValidatePrefix(keyPrefix);
        _database = connection.GetDatabase();
        _locators = Enumerable.Range(0, LocatorShards)
            .Select(n => (RedisKey)string.Create(CultureInfo.InvariantCulture, $"{{{_prefix}:sop-study:{n}}}"))
            .ToArray();
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
        for (var i = 0; i < latest.Count; i++)
        {
            var record = latest[i];
            var previousStudy = located[i];
            if (!previousStudy.IsNull && previousStudy != record.StudyInstanceUid)
            {
                // Moved to another study (a corrected study UID): leave the old study first.
                writes.Add(_database.ScriptEvaluateAsync(RemoveScript, [InstanceKey(previousStudy!, record.SopInstanceUid), StudyKey(previousStudy!)], [record.SopInstanceUid]));
            }

            writes.Add(_database.ScriptEvaluateAsync(PutScript, [InstanceKey(record.StudyInstanceUid, record.SopInstanceUid), StudyKey(record.StudyInstanceUid)],
                [record.SeriesInstanceUid, record.SopClassUid, record.Modality, record.BodyPartExamined, record.StorageKey, record.SopInstanceUid]));
        }

        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
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

        await _database.ScriptEvaluateAsync(RemoveScript, [InstanceKey(study!, sopInstanceUid), StudyKey(study!)], [sopInstanceUid]).ConfigureAwait(false);
        return await _database.HashDeleteAsync(locator, sopInstanceUid).ConfigureAwait(false);
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lengths = await Task.WhenAll(_locators.Select(k => _database.HashLengthAsync(k))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return lengths.Sum();
    }

    private RedisKey InstanceKey(string study, string sop) => $"{{{_prefix}:study:{study}}}:{sop}";

    private RedisKey StudyKey(string study) => $"{{{_prefix}:study:{study}}}:sops";

    private RedisKey Locator(string sop) => _locators[ShardOf(sop)];

    /// <summary>FNV-1a (64-bit) of the UID's bytes modulo <see cref="LocatorShards"/>. Fixed forever: changing it would orphan stored locators.</summary>
    private static int ShardOf(string sop) => RedisKeyLayout.ShardOf(sop, LocatorShards);
}
