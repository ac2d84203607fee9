using System.Buffers.Binary;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// The fixed header in front of every journal record, little-endian:
/// magic "MTHJ", record kind, name length, journal id, sequence number, payload length, CRC-32C of
/// name and payload, CRC-32C of the header. The kind sits where the first format had its version
/// (always 1, now <see cref="JournalRecordKind.Instance"/>), so journals written before stay
/// readable. The journal id is random per journal, so neither the
/// records of an earlier journal in the same files nor bytes inside a received instance that
/// happen to look like a record are ever taken for one.
/// </summary>
internal readonly record struct JournalRecordHeader(ulong JournalId, long Sequence, int NameLength, int PayloadLength, uint ContentCrc,
    JournalRecordKind Kind = JournalRecordKind.Instance)
{
    public const int Size = 40;

    /// <summary>Longest name a record carries (UTF-8 bytes): a relative file name, far longer than a UID and its extension.</summary>
    public const int MaxNameLength = 255;

    /// <summary>Records start on 4 KiB boundaries: a record being written never shares a page with a record already durable.</summary>
    public const int Alignment = 4096;

    private const uint Magic = 0x4A48544D; // "MTHJ" read as little-endian

    public long RecordLength => Size + (long)NameLength + PayloadLength;

    public long AlignedLength => AlignUp(RecordLength);

    public static long AlignUp(long length) => (length + Alignment - 1) & ~(long)(Alignment - 1);

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], (ushort)Kind);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], checked((ushort)NameLength));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], JournalId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], Sequence);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], PayloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], ContentCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], Crc32C.Compute(destination[..32]));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], 0);
    }

    /// <summary>Reads a header of journal <paramref name="journalId"/>; false for anything else (zeros, a torn write, another journal's record).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, ulong journalId, out JournalRecordHeader header)
    {
        header = default;
        if (source.Length < Size
            || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic
            || BinaryPrimitives.ReadUInt16LittleEndian(source[4..]) is not ((ushort)JournalRecordKind.Instance or (ushort)JournalRecordKind.Spooled)
            || BinaryPrimitives.ReadUInt32LittleEndian(source[32..]) != Crc32C.Compute(source[..32])
            || BinaryPrimitives.ReadUInt64LittleEndian(source[8..]) != journalId)
        {
            return false;
        }

        var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(source[24..]);
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(source[16..]);
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(source[6..]);
        if (payloadLength < 0 || sequence <= 0 || nameLength is 0 or > MaxNameLength)
        {
            return false;
        }

        header = new JournalRecordHeader(journalId, sequence, nameLength, payloadLength,
            BinaryPrimitives.ReadUInt32LittleEndian(source[28..]), (JournalRecordKind)BinaryPrimitives.ReadUInt16LittleEndian(source[4..]));
        return true;
    }
}

/// <summary>What a journal record's payload is.</summary>
internal enum JournalRecordKind : ushort
{
    /// <summary>The instance's Part 10 bytes.</summary>
    Instance = 1,

    /// <summary>A <see cref="SpoolReference"/>: the instance's bytes are in a spool slot, made durable before the record.</summary>
    Spooled = 2,
}
