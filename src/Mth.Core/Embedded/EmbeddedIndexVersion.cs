using System.Buffers.Binary;
using Mth.Core.Codes;
using Mth.Core.Indexing;
using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Core.Embedded;

/// <summary>
/// One version of the embedded index: an in-memory MIH whose changes go first to an append-only log,
/// fsync'd before the write returns, then to memory. When the log outgrows the last snapshot a new snapshot
/// is written and the log starts over. Opening replays the newest snapshot and the log after it; a torn
/// last record (a crash mid-append) is detected by its length or CRC, ignored and cut off.
/// Searches never wait for the disk; writes are serialised per version.
/// </summary>
public sealed class EmbeddedIndexVersion : IHammingIndex, IDisposable
{
    private readonly MultiIndexHashingIndex _memory;
    private readonly string _folder;
    private readonly EmbeddedIndexOptions _options;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private FileStream _log;
    private int _sequence;
    private long _snapshotBytes;

    private EmbeddedIndexVersion(string folder, MultiIndexHashingIndex memory, FileStream log, int sequence, long snapshotBytes, EmbeddedIndexOptions options)
    {
        _folder = folder;
        _memory = memory;
        _log = log;
        _sequence = sequence;
        _snapshotBytes = snapshotBytes;
        _options = options;
    }

    public string Version => _memory.Version;

    public int Bits => _memory.Bits;

    public SubstringLayout Layout => _memory.Layout;

    private int CodeBytes => Bits / 8;

    /// <summary>Opens (or creates, empty) the version stored in <paramref name="folder"/>, replaying snapshot and log.</summary>
    internal static EmbeddedIndexVersion Open(string folder, string version, SubstringLayout layout, EmbeddedIndexOptions options)
    {
        Directory.CreateDirectory(folder);
        foreach (var leftover in Directory.EnumerateFiles(folder, "*.tmp"))
        {
            File.Delete(leftover); // a write interrupted before its rename
        }

        var memory = new MultiIndexHashingIndex(version, layout);
        var snapshots = VersionFiles.Sequences(folder, "snapshot").ToList();
        var sequence = snapshots.Count == 0 ? 0 : snapshots[^1];
        long snapshotBytes = 0;
        if (snapshots.Count > 0)
        {
            var path = VersionFiles.Snapshot(folder, sequence);
            snapshotBytes = new FileInfo(path).Length;
            foreach (var chunk in VersionFiles.ReadSnapshot(path, layout.Bits).Chunk(65_536))
            {
                memory.UpsertManyAsync(chunk.Select(i => new IndexEntry(i.Id, BinaryCode.FromBytes(i.Code))).ToList()).AsTask().GetAwaiter().GetResult();
            }
        }

        // Files older than the newest snapshot are left over from a compaction cut short by a crash.
        foreach (var old in VersionFiles.Sequences(folder, "snapshot").Where(s => s < sequence))
        {
            File.Delete(VersionFiles.Snapshot(folder, old));
        }

        foreach (var old in VersionFiles.Sequences(folder, "log").Where(s => s < sequence))
        {
            File.Delete(VersionFiles.Log(folder, old));
        }

        var logs = VersionFiles.Sequences(folder, "log").Where(s => s >= sequence).ToList();
        for (var i = 0; i < logs.Count; i++)
        {
            Replay(VersionFiles.Log(folder, logs[i]), memory, layout.Bits, isLast: i == logs.Count - 1);
        }

        var current = logs.Count == 0 ? sequence : logs[^1];
        var log = OpenLog(VersionFiles.Log(folder, current), layout.Bits);
        return new EmbeddedIndexVersion(folder, memory, log, current, snapshotBytes, options);
    }

    private static void Replay(string path, MultiIndexHashingIndex memory, int bits, bool isLast)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < VersionFiles.FileHeaderSize)
        {
            // Created but its header never reached the disk: nothing was logged in it.
            return;
        }

        if (!data.AsSpan(0, 8).SequenceEqual(VersionFiles.LogMagic) || BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(8)) != bits)
        {
            throw new InvalidDataException($"{path} is not a log of {bits}-bit codes.");
        }

        var at = VersionFiles.FileHeaderSize;
        while (at < data.Length)
        {
            if (!ItemRecord.TryDecode(data.AsSpan(at), bits / 8, out var kind, out var id, out var code, out var size))
            {
                if (!isLast)
                {
                    throw new InvalidDataException($"{path} is damaged at byte {at} and is not the newest log.");
                }

                // A torn tail: the write that was cut off never returned, so dropping it loses nothing acknowledged.
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
                file.SetLength(at);
                file.Flush(flushToDisk: true);
                return;
            }

            if (kind == ItemRecord.Upsert)
            {
                memory.UpsertAsync(id, BinaryCode.FromBytes(code)).AsTask().GetAwaiter().GetResult();
            }
            else
            {
                memory.DeleteAsync(id).AsTask().GetAwaiter().GetResult();
            }

            at += size;
        }
    }

    private static FileStream OpenLog(string path, int bits)
    {
        var log = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        if (log.Length < VersionFiles.FileHeaderSize)
        {
            log.SetLength(0);
            log.Write(VersionFiles.Header(VersionFiles.LogMagic, bits));
            log.Flush(flushToDisk: true);
        }

        log.Seek(0, SeekOrigin.End);
        return log;
    }

    public async ValueTask<UpsertOutcome> UpsertAsync(string id, BinaryCode code, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        IndexArguments.CheckCode(code, Bits, nameof(code));
        var summary = await UpsertManyAsync([new IndexEntry(id, code)], cancellationToken).ConfigureAwait(false);
        return summary.Inserted == 1 ? UpsertOutcome.Inserted : summary.Updated == 1 ? UpsertOutcome.Updated : UpsertOutcome.Unchanged;
    }

    public async ValueTask<UpsertSummary> UpsertManyAsync(IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken = default)
    {
        IndexArguments.CheckEntries(entries, Bits);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Outcomes against memory plus the earlier entries of this batch; only real changes are logged.
            var pending = new Dictionary<string, BinaryCode?>(StringComparer.Ordinal);
            var changes = new List<IndexEntry>();
            var records = new MemoryStream();
            var summary = default(UpsertSummary);
            foreach (var entry in entries)
            {
                var current = pending.TryGetValue(entry.Id, out var overlay) ? overlay : await _memory.GetCodeAsync(entry.Id, cancellationToken).ConfigureAwait(false);
                var outcome = current is null ? UpsertOutcome.Inserted : current.Equals(entry.Code) ? UpsertOutcome.Unchanged : UpsertOutcome.Updated;
                summary = summary.Add(outcome);
                if (outcome != UpsertOutcome.Unchanged)
                {
                    pending[entry.Id] = entry.Code;
                    changes.Add(entry);
                    records.Write(ItemRecord.Encode(ItemRecord.Upsert, entry.Id, entry.Code.ToBytes()));
                }
            }

            if (changes.Count > 0)
            {
                Append(records.GetBuffer().AsSpan(0, (int)records.Length));
                foreach (var change in changes)
                {
                    await _memory.UpsertAsync(change.Id, change.Code, CancellationToken.None).ConfigureAwait(false);
                }

                CompactIfDue();
            }

            return summary;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        IndexNames.ValidateId(id);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await _memory.GetCodeAsync(id, cancellationToken).ConfigureAwait(false) is null)
            {
                return false;
            }

            Append(ItemRecord.Encode(ItemRecord.Delete, id, default));
            await _memory.DeleteAsync(id, CancellationToken.None).ConfigureAwait(false);
            CompactIfDue();
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Appends and fsyncs; on failure cuts the log back so no half record stays before later ones.</summary>
    private void Append(ReadOnlySpan<byte> records)
    {
        var before = _log.Length;
        try
        {
            _log.Write(records);
            _log.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            _log.SetLength(before);
            _log.Seek(0, SeekOrigin.End);
            throw;
        }
    }

    private void CompactIfDue()
    {
        if (_log.Length >= Math.Max(_options.SnapshotAfterLogBytes, _snapshotBytes))
        {
            Compact();
        }
    }

    /// <summary>Writes a snapshot now and starts a new log (also done on its own as the log grows).</summary>
    public async Task SnapshotAsync(CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Compact();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Snapshot N+1 (durable, renamed into place), then log N+1, then the older files go. A crash before the
    /// rename keeps snapshot N + log N; after it, snapshot N+1 alone is complete (logs older than it are ignored).
    /// Writers are held by the gate, so memory is exactly snapshot + log here.
    /// </summary>
    private void Compact()
    {
        var next = _sequence + 1;
        var (ids, codes) = _memory.CopyItems();
        var snapshot = VersionFiles.Snapshot(_folder, next);
        VersionFiles.WriteSnapshot(snapshot, Bits, ids, codes, BinaryCode.WordCount(Bits));
        var log = OpenLog(VersionFiles.Log(_folder, next), Bits);
        _log.Dispose();
        _log = log;
        _sequence = next;
        _snapshotBytes = new FileInfo(snapshot).Length;
        foreach (var old in VersionFiles.Sequences(_folder, "snapshot").Where(s => s < next))
        {
            File.Delete(VersionFiles.Snapshot(_folder, old));
        }

        foreach (var old in VersionFiles.Sequences(_folder, "log").Where(s => s < next))
        {
            File.Delete(VersionFiles.Log(_folder, old));
        }
    }

    public ValueTask<BinaryCode?> GetCodeAsync(string id, CancellationToken cancellationToken = default) => _memory.GetCodeAsync(id, cancellationToken);

    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _memory.CountAsync(cancellationToken);

    public IAsyncEnumerable<string> EnumerateIdsAsync(CancellationToken cancellationToken = default) => _memory.EnumerateIdsAsync(cancellationToken);

    public ValueTask<IReadOnlyList<Neighbor>> SearchNearestAsync(BinaryCode query, int k, CancellationToken cancellationToken = default) =>
        _memory.SearchNearestAsync(query, k, cancellationToken);

    public ValueTask<IReadOnlyList<Neighbor>> SearchRadiusAsync(BinaryCode query, int radius, CancellationToken cancellationToken = default) =>
        _memory.SearchRadiusAsync(query, radius, cancellationToken);

    public void Dispose()
    {
        _writeGate.Wait();
        try
        {
            _log.Dispose();
        }
        finally
        {
            _writeGate.Release();
            _writeGate.Dispose();
            _memory.Dispose();
        }
    }
}
