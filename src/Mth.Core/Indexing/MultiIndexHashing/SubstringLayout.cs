using Mth.Core.Codes;

namespace Mth.Core.Indexing.MultiIndexHashing;

/// <summary>
/// How multi-index hashing cuts a code into m disjoint, contiguous substrings (Norouzi, Punjani &amp; Fleet):
/// substring j covers bits [Start(j), Start(j) + Length(j)); the first (bits mod m) substrings are one bit
/// longer than the others. Substrings are at most 32 bits, so their values fit a <see cref="uint"/>.
/// </summary>
public sealed class SubstringLayout : IEquatable<SubstringLayout>
{
    public const int MaxSubstringBits = 32;
    public const int MinSubstringBits = 8;

    private readonly int[] _starts;
    private readonly int[] _lengths;

    private SubstringLayout(int bits, int count)
    {
        Bits = bits;
        Count = count;
        _starts = new int[count];
        _lengths = new int[count];
        var start = 0;
        for (var j = 0; j < count; j++)
        {
            _starts[j] = start;
            _lengths[j] = bits / count + (j < bits % count ? 1 : 0);
            start += _lengths[j];
        }
    }

    public int Bits { get; }

    /// <summary>m, the number of substrings (and of hash tables).</summary>
    public int Count { get; }

    public int Start(int substring) => _starts[substring];

    public int Length(int substring) => _lengths[substring];

    /// <summary>The longest substring.</summary>
    public int MaxLength => _lengths[0];

    /// <summary>Smallest and largest m allowed for a code length: substrings of 8 to 32 bits (a 16-bit code may use one substring).</summary>
    public static (int Min, int Max) CountRange(int bits)
    {
        BinaryCode.ValidateLength(bits);
        var min = (bits + MaxSubstringBits - 1) / MaxSubstringBits;
        var max = Math.Max(min, bits / MinSubstringBits);
        return (min, max);
    }

    public static SubstringLayout Create(int bits, int count)
    {
        var (min, max) = CountRange(bits);
        if (count < min || count > max)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"A {bits}-bit code takes {min} to {max} substrings (each of {MinSubstringBits} to {MaxSubstringBits} bits).");
        }

        return new SubstringLayout(bits, count);
    }

    /// <summary>
    /// m for n items. The paper recommends m ≈ bits / log2(n): substrings of log2(n) bits, about one item per
    /// bucket. We keep its form with substrings 5 bits shorter, m = round(bits / (log2 n − 5)), about 32 items
    /// per bucket: a probe costs a cache miss (in memory) or a key lookup (Redis), a candidate only a popcount
    /// on data already streamed, so a few cache lines per bucket minimise the total. Measured on 64-bit codes
    /// (docs/benchmarks.md): 1M items, m = 3 / 4 / 5: 2.5 / 0.41 / 0.41 ms; 10M items: 2.7 / 1.34 / 1.67 ms.
    /// Clamped to substrings of 8 to 32 bits.
    /// </summary>
    public static SubstringLayout ForDatabase(int bits, long expectedItems)
    {
        var (min, max) = CountRange(bits);
        var substringBits = Math.Max(1.0, Math.Log2(Math.Max(expectedItems, 2)) - 5);
        var count = (int)Math.Round(bits / substringBits, MidpointRounding.AwayFromZero);
        return new SubstringLayout(bits, Math.Clamp(count, min, max));
    }

    /// <summary>The value of substring <paramref name="substring"/> of a code in packed words.</summary>
    public uint Extract(ReadOnlySpan<ulong> words, int substring)
    {
        var start = _starts[substring];
        var length = _lengths[substring];
        var word = start >> 6;
        var offset = start & 63;
        var window = words[word] << offset;
        if (offset + length > 64)
        {
            // Straddles two words; offset > 0 here because length <= 32.
            window |= words[word + 1] >> (64 - offset);
        }

        return (uint)(window >> (64 - length));
    }

    /// <summary>All substring values of a code.</summary>
    public void ExtractAll(ReadOnlySpan<ulong> words, Span<uint> values)
    {
        for (var j = 0; j < Count; j++)
        {
            values[j] = Extract(words, j);
        }
    }

    /// <summary>
    /// After tables 0..<paramref name="table"/> were probed up to radius <paramref name="radius"/> and the others up
    /// to <paramref name="radius"/> - 1, every item within this distance of the query has been seen: an item
    /// missed has substring distances of at least r + 1 in the first tables and r in the rest
    /// (pigeonhole principle, Norouzi et al. section 4).
    /// </summary>
    public int ProvenDistance(int radius, int table) => Count * radius + table;

    public bool Equals(SubstringLayout? other) => other is not null && other.Bits == Bits && other.Count == Count;

    public override bool Equals(object? obj) => Equals(obj as SubstringLayout);

    public override int GetHashCode() => HashCode.Combine(Bits, Count);

    public override string ToString() => $"{Count} substrings of {string.Join('/', _lengths)} bits";
}
