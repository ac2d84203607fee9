using System.Buffers.Binary;
using System.Text;

namespace Mth.Core.Embedded;

/// <summary>
/// One change in the append-only log: <c>[u32 payload length][u32 CRC-32 of payload][payload]</c>, payload
/// <c>[u8 kind][u16 id length][id ASCII][code bytes, upserts only]</c>, integers little-endian. A record whose
/// length runs past the end of the file or whose CRC does not match is a torn tail: reading stops there.
/// </summary>
internal static class ItemRecord
{
    public const byte Upsert = 1;
    public const byte Delete = 2;
    public const int HeaderSize = 8;

    public static byte[] Encode(byte kind, string id, ReadOnlySpan<byte> code)
    {
        var payloadLength = 3 + id.Length + code.Length;
        var record = new byte[HeaderSize + payloadLength];
        var payload = record.AsSpan(HeaderSize);
        payload[0] = kind;
        BinaryPrimitives.WriteUInt16LittleEndian(payload[1..], (ushort)id.Length);
        Encoding.ASCII.GetBytes(id, payload.Slice(3, id.Length));
        code.CopyTo(payload[(3 + id.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(payload));
        return record;
    }

    /// <summary>Reads the record at the start of <paramref name="data"/>; false when it is incomplete or damaged.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, int codeBytes, out byte kind, out string id, out ReadOnlySpan<byte> code, out int size)
    {
        kind = 0;
        id = "";
        code = default;
        size = 0;
        if (data.Length < HeaderSize)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length < 3 || length > 3 + ushort.MaxValue + codeBytes || HeaderSize + length > data.Length)
        {
            return false;
        }

        var payload = data.Slice(HeaderSize, (int)length);
        if (Crc32.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return false;
        }

        kind = payload[0];
        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[1..]);
        var expected = 3 + idLength + (kind == Upsert ? codeBytes : 0);
        if (kind is not (Upsert or Delete) || length != expected)
        {
            return false;
        }

        id = Encoding.ASCII.GetString(payload.Slice(3, idLength));
        code = kind == Upsert ? payload.Slice(3 + idLength, codeBytes) : default;
        size = HeaderSize + (int)length;
        return true;
    }
}
