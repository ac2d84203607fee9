using System.Buffers.Binary;
using System.Globalization;

namespace Mth.Core.Codes;

/// <summary>
/// An immutable k-bit binary code (k a multiple of 8 from 16 to 256). The project-wide byte
/// convention: a k-bit code is k/8 bytes, byte i holds bits 8i..8i+7, most significant bit first.
/// Internally the bytes are packed big-endian into 64-bit words (byte 0 is the top byte of word 0),
/// so bit j of the code is bit 63 - (j % 64) of word j / 64 and unused low bits of the last word are 0.
/// </summary>
public sealed class BinaryCode : IEquatable<BinaryCode>
{
    public const int MinBits = 16;
    public const int MaxBits = 256;

    private readonly ulong[] _words;

    private BinaryCode(int bits, ulong[] words)
    {
        Bits = bits;
        _words = words;
    }

    /// <summary>The code length k in bits.</summary>
    public int Bits { get; }

    /// <summary>The code length in bytes (k / 8).</summary>
    public int ByteLength => Bits / 8;

    /// <summary>The code as 64-bit words (see the class remarks for the packing).</summary>
    public ReadOnlySpan<ulong> Words => _words;

    /// <summary>Number of 64-bit words a code of <paramref name="bits"/> bits occupies.</summary>
    public static int WordCount(int bits) => (bits + 63) / 64;

    public static bool IsValidLength(int bits) => bits is >= MinBits and <= MaxBits && bits % 8 == 0;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the rule when <paramref name="bits"/> is not a valid code length.</summary>
    public static int ValidateLength(int bits, string? paramName = null)
    {
        if (!IsValidLength(bits))
        {
            throw new ArgumentOutOfRangeException(paramName ?? nameof(bits), bits,
                $"A code length must be a multiple of 8 from {MinBits} to {MaxBits} bits.");
        }

        return bits;
    }

    /// <summary>A code from its k/8 bytes in the project convention (byte 0 holds bits 0..7, MSB first).</summary>
    public static BinaryCode FromBytes(ReadOnlySpan<byte> bytes)
    {
        var bits = bytes.Length * 8;
        if (!IsValidLength(bits))
        {
            throw new ArgumentException(
                $"A code must be {MinBits / 8} to {MaxBits / 8} bytes long; got {bytes.Length}.", nameof(bytes));
        }

        var words = new ulong[WordCount(bits)];
        PackWords(bytes, words);
        return new BinaryCode(bits, words);
    }

    /// <summary>A code from packed words (see the class remarks); bits past <paramref name="bits"/> must be zero.</summary>
    public static BinaryCode FromWords(ReadOnlySpan<ulong> words, int bits)
    {
        ValidateLength(bits);
        if (words.Length != WordCount(bits))
        {
            throw new ArgumentException($"A {bits}-bit code has {WordCount(bits)} words; got {words.Length}.", nameof(words));
        }

        var tailBits = bits % 64;
        if (tailBits != 0 && (words[^1] & (ulong.MaxValue >> tailBits)) != 0)
        {
            throw new ArgumentException($"Bits past bit {bits} of the last word must be zero.", nameof(words));
        }

        return new BinaryCode(bits, words.ToArray());
    }

    /// <summary>A code from hexadecimal text: 2 digits per byte, byte 0 first (the project's text form).</summary>
    public static BinaryCode FromHex(ReadOnlySpan<char> hex)
    {
        if (hex.Length % 2 != 0)
        {
            throw new FormatException("A hexadecimal code needs an even number of digits.");
        }

        Span<byte> bytes = stackalloc byte[MaxBits / 8];
        if (hex.Length / 2 > bytes.Length || hex.Length / 2 < MinBits / 8)
        {
            throw new FormatException($"A hexadecimal code must have {MinBits / 4} to {MaxBits / 4} digits; got {hex.Length}.");
        }

        var target = bytes[..(hex.Length / 2)];
        for (var i = 0; i < target.Length; i++)
        {
            if (!byte.TryParse(hex.Slice(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out target[i]))
            {
                throw new FormatException($"'{hex.Slice(2 * i, 2)}' at position {2 * i} is not a hexadecimal byte.");
            }
        }

        return FromBytes(target);
    }

    /// <summary>The code's bytes in the project convention.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        WriteBytes(bytes);
        return bytes;
    }

    /// <summary>Writes the k/8 bytes of the code into <paramref name="destination"/>.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        if (destination.Length < ByteLength)
        {
            throw new ArgumentException($"The destination needs {ByteLength} bytes.", nameof(destination));
        }

        UnpackWords(_words, destination[..ByteLength]);
    }

    public string ToHex() => Convert.ToHexStringLower(ToBytes());

    /// <summary>The value of bit <paramref name="index"/> (0 = most significant bit of byte 0).</summary>
    public bool this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Bits);
            return ((_words[index >> 6] >> (63 - (index & 63))) & 1) != 0;
        }
    }

    public int DistanceTo(BinaryCode other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Bits != Bits)
        {
            throw new ArgumentException($"Codes of {Bits} and {other.Bits} bits cannot be compared.", nameof(other));
        }

        return Hamming.HammingDistance.Compute(_words, other._words);
    }

    public bool Equals(BinaryCode? other) =>
        other is not null && other.Bits == Bits && _words.AsSpan().SequenceEqual(other._words);

    public override bool Equals(object? obj) => Equals(obj as BinaryCode);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Bits);
        foreach (var word in _words)
        {
            hash.Add(word);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => ToHex();

    /// <summary>Packs convention bytes into big-endian words; <paramref name="words"/> must be zeroed or fully overwritten.</summary>
    public static void PackWords(ReadOnlySpan<byte> bytes, Span<ulong> words)
    {
        for (var w = 0; w < words.Length; w++)
        {
            var start = w * 8;
            var count = Math.Min(8, bytes.Length - start);
            if (count == 8)
            {
                words[w] = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(start, 8));
            }
            else
            {
                ulong word = 0;
                for (var i = 0; i < count; i++)
                {
                    word |= (ulong)bytes[start + i] << (56 - 8 * i);
                }

                words[w] = word;
            }
        }
    }

    /// <summary>Unpacks big-endian words into convention bytes (as many as <paramref name="bytes"/> holds).</summary>
    public static void UnpackWords(ReadOnlySpan<ulong> words, Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(words[i >> 3] >> (56 - 8 * (i & 7)));
        }
    }
}
