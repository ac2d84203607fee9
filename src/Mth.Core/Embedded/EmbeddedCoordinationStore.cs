using System.Buffers.Binary;
using System.Text;
using Mth.Core.Coordination;

namespace Mth.Core.Embedded;

/// <summary>
/// Coordination documents of the all-in-one mode, persistent in a folder: all in memory, every write first
/// appended to <c>coordination.log</c> (a <see cref="RecordLog"/>, fsync'd before the call returns) and
/// compacted once it is larger than 4 MiB and twice its size after the last compaction. One process owns the folder.
/// </summary>
public sealed class EmbeddedCoordinationStore : CoordinationTableStore, IDisposable
{
    private const long CompactAfterBytes = 4L << 20;
    private const byte WriteKind = 1;
    private const byte DeleteKind = 2;

    private readonly OwnedRecordLog _log;

    private EmbeddedCoordinationStore(CoordinationTable table, OwnedRecordLog log)
        : base(table)
    {
        _log = log;
        // Every change is appended (and fsync'd) before the table applies it, under the table's lock.
        table.JournalWith(
            document => AppendAndCompact(WritePayload(document.Key, document.Value, document.Revision)),
            key => AppendAndCompact(DeletePayload(key)));
    }

    /// <summary>Opens (or creates) the store in <paramref name="folder"/>. Throws <see cref="IOException"/> when another process holds it.</summary>
    public static EmbeddedCoordinationStore Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var table = new CoordinationTable();
        var log = OwnedRecordLog.Open(folder, "coordination.log", "MTHCRD01"u8, payload => Apply(table, payload), CompactAfterBytes, "coordination");
        return new EmbeddedCoordinationStore(table, log);
    }

    public void Dispose()
    {
        lock (Table.Lock)
        {
            _log.Dispose();
        }
    }

    private void AppendAndCompact(byte[] payload)
    {
        _log.Append(payload);
        // The change is not in the table yet: the compacted log is written from the table plus this record.
        _log.CompactIfLarge(() => [.. Table.Documents.Select(d => WritePayload(d.Key, d.Value, d.Revision)), payload]);
    }

    private static byte[] DeletePayload(string key)
    {
        var payload = new byte[1 + key.Length];
        payload[0] = DeleteKind;
        Encoding.ASCII.GetBytes(key, payload.AsSpan(1));
        return payload;
    }

    /// <summary>[u8 kind][u16 key length][key ASCII][i64 revision][value UTF-8].</summary>
    private static byte[] WritePayload(string key, string value, long revision)
    {
        var valueBytes = Encoding.UTF8.GetBytes(value);
        var payload = new byte[1 + 2 + key.Length + 8 + valueBytes.Length];
        payload[0] = WriteKind;
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(1), (ushort)key.Length);
        Encoding.ASCII.GetBytes(key, payload.AsSpan(3));
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(3 + key.Length), revision);
        valueBytes.CopyTo(payload, 3 + key.Length + 8);
        return payload;
    }

    private static void Apply(CoordinationTable table, ReadOnlySpan<byte> payload)
    {
        switch (payload[0])
        {
            case WriteKind:
                var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[1..]);
                var key = Encoding.ASCII.GetString(payload.Slice(3, keyLength));
                var revision = BinaryPrimitives.ReadInt64LittleEndian(payload[(3 + keyLength)..]);
                table.Restore(new CoordinationDocument(key, Encoding.UTF8.GetString(payload[(3 + keyLength + 8)..]), revision));
                break;
            case DeleteKind:
                table.RestoreDeletion(Encoding.ASCII.GetString(payload[1..]));
                break;
            default:
                throw new InvalidDataException($"Unknown coordination log record kind {payload[0]}.");
        }
    }
}
