namespace Mth.Encoding.Codes;

/// <summary>
/// The project's binary code convention, everywhere (files, hex, Redis): a k-bit code is k/8
/// bytes; byte i holds bits 8i..8i+7, most significant bit first; a bit is 1 where the hash
/// output is &gt;= 0 (so tanh outputs of exactly 0 count as +1, as sign(h) does at test time).
/// </summary>
public static class HashCodes
{
    /// <summary>Bytes of a k-bit code; k must be a positive multiple of 8.</summary>
    public static int ByteLength(int bits)
    {
        if (bits <= 0 || bits % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "Code length must be a positive multiple of 8 bits.");
        }

        return bits / 8;
    }

    /// <summary>Packs k hash outputs into k/8 bytes.</summary>
    public static void Pack(ReadOnlySpan<float> outputs, Span<byte> code)
    {
        var length = ByteLength(outputs.Length);
        if (code.Length != length)
        {
            throw new ArgumentException($"A {outputs.Length}-bit code takes {length} bytes, the destination has {code.Length}.", nameof(code));
        }

        for (var i = 0; i < length; i++)
        {
            var value = 0;
            for (var b = 0; b < 8; b++)
            {
                var output = outputs[i * 8 + b];
                if (float.IsNaN(output))
                {
                    throw new ArgumentException($"Hash output {i * 8 + b} is NaN.", nameof(outputs));
                }

                value = (value << 1) | (output >= 0 ? 1 : 0);
            }

            code[i] = (byte)value;
        }
    }

    public static byte[] Pack(ReadOnlySpan<float> outputs)
    {
        var code = new byte[ByteLength(outputs.Length)];
        Pack(outputs, code);
        return code;
    }

    /// <summary>Bit <paramref name="index"/> (0-based, as the hash output index) of a packed code.</summary>
    public static bool Bit(ReadOnlySpan<byte> code, int index) => (code[index >> 3] & (0x80 >> (index & 7))) != 0;

    /// <summary>Lower-case hex, two digits per byte in byte order.</summary>
    public static string ToHex(ReadOnlySpan<byte> code) => Convert.ToHexStringLower(code);

    public static byte[] FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        try
        {
            var code = Convert.FromHexString(hex);
            ByteLength(code.Length * 8);
            return code;
        }
        catch (FormatException exception)
        {
            throw new FormatException($"'{hex}' is not a hex code.", exception);
        }
    }
}
