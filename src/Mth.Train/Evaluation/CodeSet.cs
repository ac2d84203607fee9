using System.Buffers.Binary;
using System.Numerics;
using Mth.Encoding.Codes;

namespace Mth.Train.Evaluation;

/// <summary>
/// Packed k-bit codes for fast Hamming distances: each code is k/64 rounded up 64-bit words,
/// filled from the project's byte form (byte i = bits 8i..8i+7, MSB first) big-endian, with the
/// unused tail zero.
/// </summary>
public sealed class CodeSet
{
    private readonly ulong[] words;

    public CodeSet(int bits, int count)
    {
        ByteLength = HashCodes.ByteLength(bits);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Bits = bits;
        Count = count;
        WordsPerCode = (bits + 63) / 64;
        words = new ulong[checked(WordsPerCode * count)];
    }

    public int Bits { get; }

    public int Count { get; }

    public int ByteLength { get; }

    public int WordsPerCode { get; }

    public static CodeSet FromBytes(int bits, IReadOnlyList<byte[]> codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var set = new CodeSet(bits, codes.Count);
        for (var i = 0; i < codes.Count; i++)
        {
            set.Set(i, codes[i]);
        }

        return set;
    }

    /// <summary>Sign bits of <paramref name="count"/> rows of k hash outputs.</summary>
    public static CodeSet FromHashOutputs(int bits, ReadOnlySpan<float> outputs, int count)
    {
        if (outputs.Length != (long)bits * count)
        {
            throw new ArgumentException($"Expected {count} x {bits} outputs, got {outputs.Length}.", nameof(outputs));
        }

        var set = new CodeSet(bits, count);
        Span<byte> code = stackalloc byte[set.ByteLength];
        for (var i = 0; i < count; i++)
        {
            HashCodes.Pack(outputs.Slice(i * bits, bits), code);
            set.Set(i, code);
        }

        return set;
    }

    public void Set(int index, ReadOnlySpan<byte> code)
    {
        if (code.Length != ByteLength)
        {
            throw new ArgumentException($"A {Bits}-bit code has {ByteLength} bytes, got {code.Length}.", nameof(code));
        }

        Span<byte> padded = stackalloc byte[WordsPerCode * 8];
        padded.Clear();
        code.CopyTo(padded);
        var target = words.AsSpan(index * WordsPerCode, WordsPerCode);
        for (var w = 0; w < WordsPerCode; w++)
        {
            target[w] = BinaryPrimitives.ReadUInt64BigEndian(padded[(w * 8)..]);
        }
    }

    public byte[] GetBytes(int index)
    {
        Span<byte> padded = stackalloc byte[WordsPerCode * 8];
        var source = words.AsSpan(index * WordsPerCode, WordsPerCode);
        for (var w = 0; w < WordsPerCode; w++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(padded[(w * 8)..], source[w]);
        }

        return padded[..ByteLength].ToArray();
    }

    internal ReadOnlySpan<ulong> Words(int index) => words.AsSpan(index * WordsPerCode, WordsPerCode);

    public int Distance(int index, CodeSet other, int otherIndex)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Bits != Bits)
        {
            throw new ArgumentException($"Cannot compare {Bits}-bit and {other.Bits}-bit codes.", nameof(other));
        }

        return Distance(Words(index), other.Words(otherIndex));
    }

    internal static int Distance(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        var distance = 0;
        for (var w = 0; w < a.Length; w++)
        {
            distance += BitOperations.PopCount(a[w] ^ b[w]);
        }

        return distance;
    }

    /// <summary>How many different codes the set holds (ties are frequent when this is small).</summary>
    public int DistinctCount()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Count; i++)
        {
            seen.Add(string.Join(',', Words(i).ToArray()));
        }

        return seen.Count;
    }
}
