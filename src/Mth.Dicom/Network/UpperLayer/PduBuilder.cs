using System.Buffers.Binary;
using System.Text;

namespace Mth.Dicom.Network.UpperLayer;

/// <summary>A growable big-endian byte buffer for composing PDUs and their nested items, lengths patched in afterwards.</summary>
internal sealed class PduBuilder
{
    private byte[] _buffer = new byte[512];

    public int Length { get; private set; }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[Length++] = value;
    }

    public void WriteUInt16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(Length), value);
        Length += 2;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(Length), value);
        Length += 4;
    }

    public void WriteZeros(int count)
    {
        Ensure(count);
        _buffer.AsSpan(Length, count).Clear();
        Length += count;
    }

    public void WriteAscii(string value)
    {
        var count = Encoding.ASCII.GetByteCount(value);
        Ensure(count);
        Encoding.ASCII.GetBytes(value, _buffer.AsSpan(Length));
        Length += count;
    }

    public void WriteAeTitle(string title)
    {
        Ensure(AeTitle.MaxLength);
        AeTitle.WriteField(_buffer.AsSpan(Length, AeTitle.MaxLength), title);
        Length += AeTitle.MaxLength;
    }

    /// <summary>Starts an item with a 16-bit length; returns the position to pass to <see cref="EndItem16"/>.</summary>
    public int BeginItem16(byte itemType)
    {
        WriteByte(itemType);
        WriteByte(0);
        var at = Length;
        WriteUInt16(0);
        return at;
    }

    public void EndItem16(int lengthAt)
    {
        var length = Length - lengthAt - 2;
        if (length > ushort.MaxValue)
        {
            throw new InvalidOperationException($"An upper-layer item of {length} bytes does not fit its 16-bit length.");
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(lengthAt), (ushort)length);
    }

    /// <summary>Writes an item whose whole value is an ASCII string (UIDs, version names).</summary>
    public void WriteStringItem(byte itemType, string value)
    {
        var at = BeginItem16(itemType);
        WriteAscii(value);
        EndItem16(at);
    }

    /// <summary>Starts a PDU; the 32-bit length is patched by <see cref="ToPdu"/>.</summary>
    public void BeginPdu(PduType type)
    {
        Length = 0;
        WriteByte((byte)type);
        WriteByte(0);
        WriteUInt32(0);
    }

    public byte[] ToPdu()
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(2), (uint)(Length - PduHeader.Size));
        return _buffer.AsSpan(0, Length).ToArray();
    }

    private void Ensure(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }
    }
}
