using System.Text;
using System.Text.Json;
using Mth.Core.Instances;

namespace Mth.Core.Embedded;

/// <summary>
/// The instance catalog of the all-in-one mode: every record in memory, every change first appended to
/// <c>instances.log</c> in its folder (a <see cref="RecordLog"/>: checksummed, fsync'd before the call
/// returns, torn tail ignored on open). The log is compacted (rewritten with the live records) once it is
/// larger than <see cref="CompactAfterBytes"/> and twice its size after the last compaction. One process
/// owns the folder (an exclusive lock file).
/// </summary>
public sealed class EmbeddedInstanceCatalog : IInstanceCatalog, IDisposable
{
    public const long CompactAfterBytes = 32L << 20;

    private const byte PutKind = 1;
    private const byte DeleteKind = 2;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly InstanceTable _table;
    private readonly OwnedRecordLog _log;
    private readonly Lock _lock = new();

    private EmbeddedInstanceCatalog(InstanceTable table, OwnedRecordLog log)
    {
        _table = table;
        _log = log;
    }

    /// <summary>Opens (or creates) the catalog in <paramref name="folder"/>. Throws <see cref="IOException"/> when another process holds it.</summary>
    public static EmbeddedInstanceCatalog Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var table = new InstanceTable();
        var log = OwnedRecordLog.Open(folder, "instances.log", "MTHINS01"u8, payload => Apply(table, payload), CompactAfterBytes, "instance catalog");
        return new EmbeddedInstanceCatalog(table, log);
    }

    public ValueTask PutAsync(InstanceRecord record, CancellationToken cancellationToken = default) =>
        PutManyAsync([record], cancellationToken);

    /// <summary>Writes the changed records with one append (one fsync).</summary>
    public ValueTask PutManyAsync(IReadOnlyList<InstanceRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            InstanceRecords.Validate(record);
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var changed = new Dictionary<string, InstanceRecord>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                if (_table.Get(record.SopInstanceUid) != record || changed.ContainsKey(record.SopInstanceUid))
                {
                    changed[record.SopInstanceUid] = record;
                }
            }

            if (changed.Count == 0)
            {
                return ValueTask.CompletedTask;
            }

            _log.Append(changed.Values.Select(PutPayload).ToList());
            foreach (var record in changed.Values)
            {
                _table.Put(record);
            }

            CompactIfLarge();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<InstanceRecord?> GetAsync(string sopInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(sopInstanceUid, nameof(sopInstanceUid));
        lock (_lock)
        {
            return ValueTask.FromResult(_table.Get(sopInstanceUid));
        }
    }

    public ValueTask<IReadOnlyDictionary<string, InstanceRecord>> GetManyAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sopInstanceUids);
        foreach (var uid in sopInstanceUids)
        {
            InstanceRecords.ValidateUid(uid, nameof(sopInstanceUids));
        }

        lock (_lock)
        {
            return ValueTask.FromResult(_table.GetMany(sopInstanceUids));
        }
    }

    public ValueTask<IReadOnlyList<string>> GetStudyInstancesAsync(string studyInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(studyInstanceUid, nameof(studyInstanceUid));
        lock (_lock)
        {
            return ValueTask.FromResult(_table.StudyInstances(studyInstanceUid));
        }
    }

    public ValueTask<IReadOnlyList<StudySummary>> ListRecentStudiesAsync(int limit, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateStudyListLimit(limit);
        lock (_lock)
        {
            return ValueTask.FromResult(_table.RecentStudies(limit));
        }
    }

    public ValueTask<bool> DeleteAsync(string sopInstanceUid, CancellationToken cancellationToken = default)
    {
        InstanceRecords.ValidateUid(sopInstanceUid, nameof(sopInstanceUid));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_table.Get(sopInstanceUid) is null)
            {
                return ValueTask.FromResult(false);
            }

            _log.Append(DeletePayload(sopInstanceUid));
            _table.Delete(sopInstanceUid);
            CompactIfLarge();
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult((long)_table.Count);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _log.Dispose();
        }
    }

    private void CompactIfLarge()
    {
        _log.CompactIfLarge(() => _table.Records.Select(PutPayload));
    }

    private static byte[] PutPayload(InstanceRecord record)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, Json);
        var payload = new byte[1 + json.Length];
        payload[0] = PutKind;
        json.CopyTo(payload, 1);
        return payload;
    }

    private static byte[] DeletePayload(string sopInstanceUid)
    {
        var payload = new byte[1 + sopInstanceUid.Length];
        payload[0] = DeleteKind;
        Encoding.ASCII.GetBytes(sopInstanceUid, payload.AsSpan(1));
        return payload;
    }

    private static void Apply(InstanceTable table, ReadOnlySpan<byte> payload)
    {
        switch (payload[0])
        {
            case PutKind:
                var record = JsonSerializer.Deserialize<InstanceRecord>(payload[1..], Json)
                    ?? throw new InvalidDataException("An instance record in the log is empty.");
                table.Put(record);
                break;
            case DeleteKind:
                table.Delete(Encoding.ASCII.GetString(payload[1..]));
                break;
            default:
                throw new InvalidDataException($"Unknown instance log record kind {payload[0]}.");
        }
    }
}
