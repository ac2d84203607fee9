using System.Buffers.Binary;

namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// A bounds-checked big-endian cursor over a received PDU body. Every read that would pass the
/// end throws a <see cref="DicomProtocolException"/> rather than an index exception, so hostile
/// lengths become an A-ABORT, never a crash.
/// </summary>
internal ref struct PduParser
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;

    public PduParser(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public byte ReadByte()
    {
        Require(1, "a byte");
        return _data[Position++];
    }

    public ushort ReadUInt16()
    {
        Require(2, "a 16-bit value");
        var value = BinaryPrimitives.ReadUInt16BigEndian(_data[Position..]);
        Position += 2;
        return value;
    }

    public uint ReadUInt32()
    {
        Require(4, "a 32-bit value");
        var value = BinaryPrimitives.ReadUInt32BigEndian(_data[Position..]);
        Position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count, string what)
    {
        Require(count, what);
        var slice = _data.Slice(Position, count);
        Position += count;
        return slice;
    }

    public void Skip(int count, string what) => ReadBytes(count, what);

    private readonly void Require(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"{_what}: {what} at offset {Position} runs past the end ({Remaining} bytes left, {count} needed).");
        }
    }

    /// <summary>Decodes a UID or name: ASCII, trailing NUL/space padding removed, unprintable bytes replaced so logs stay clean.</summary>
    public static string DecodeText(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.Length;
        while (end > 0 && (bytes[end - 1] == 0 || bytes[end - 1] == (byte)' '))
        {
            end--;
        }

        var start = 0;
        while (start < end && bytes[start] == (byte)' ')
        {
            start++;
        }

        return string.Create(end - start, bytes[start..end].ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                chars[i] = source[i] is >= 0x20 and <= 0x7E ? (char)source[i] : '?';
            }
        });
    }
}
