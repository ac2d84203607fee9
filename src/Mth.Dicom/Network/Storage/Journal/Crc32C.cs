using System.Buffers.Binary;
using System.Numerics;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>CRC-32C (Castagnoli), the checksum of journal records: hardware-accelerated through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
internal struct Crc32C
{
    private uint _state = uint.MaxValue;

    public Crc32C()
    {
    }

    public readonly uint Value => ~_state;

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32C();
        crc.Append(data);
        return crc.Value;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        var state = _state;
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        _state = state;
    }
}
