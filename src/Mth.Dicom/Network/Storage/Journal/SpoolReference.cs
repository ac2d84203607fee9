using System.Buffers.Binary;
using System.Text;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// The payload of a <see cref="JournalRecordKind.Spooled"/> record: which spool slot holds the
/// instance, how many of its bytes are the Part 10 file, and their CRC-32C. Little-endian:
/// length (8), CRC (4), slot name length (2), slot name (UTF-8). The record's own CRC covers it.
/// </summary>
internal readonly record struct SpoolReference(string SlotName, long Length, uint Crc)
{
    private const int FixedSize = 14;

    public byte[] ToArray()
    {
        var name = Encoding.UTF8.GetBytes(SlotName);
        var bytes = new byte[FixedSize + name.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Crc);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(12), checked((ushort)name.Length));
        name.CopyTo(bytes.AsSpan(FixedSize));
        return bytes;
    }

    /// <summary>Reads a reference; false when the payload does not have the shape of one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out SpoolReference reference)
    {
        reference = default;
        if (payload.Length < FixedSize)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(payload);
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[12..]);
        if (length < 0 || payload.Length != FixedSize + nameLength)
        {
            return false;
        }

        reference = new SpoolReference(Encoding.UTF8.GetString(payload[FixedSize..]), length, BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
        return true;
    }
}
