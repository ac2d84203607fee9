namespace Mth.Core.Codes;

/// <summary>
/// Deterministic code generators for benchmarks and tests (a seed gives the same codes on every machine).
/// <see cref="Uniform"/> draws every bit at random. <see cref="Clustered"/> imitates learned codes: it
/// draws <see cref="ClusterCentres"/> random centres and makes each code from a random centre with each
/// bit flipped independently with probability <see cref="FlipProbability"/>.
/// </summary>
public sealed class SyntheticCodes
{
    public const int ClusterCentres = 64;

    /// <summary>1/8: a flip mask is the AND of three random words, exact and cheap.</summary>
    public const double FlipProbability = 0.125;

    private readonly Random _random;
    private readonly ulong[]? _centres;

    private SyntheticCodes(int bits, int seed, bool clustered)
    {
        Bits = BinaryCode.ValidateLength(bits);
        WordsPerCode = BinaryCode.WordCount(bits);
        _random = new Random(seed);
        if (clustered)
        {
            _centres = new ulong[ClusterCentres * WordsPerCode];
            for (var c = 0; c < ClusterCentres; c++)
            {
                RandomCode(_centres.AsSpan(c * WordsPerCode, WordsPerCode));
            }
        }
    }

    public int Bits { get; }

    public int WordsPerCode { get; }

    public bool IsClustered => _centres is not null;

    public static SyntheticCodes Uniform(int bits, int seed) => new(bits, seed, clustered: false);

    public static SyntheticCodes Clustered(int bits, int seed) => new(bits, seed, clustered: true);

    /// <summary>Writes the next <c>words.Length / WordsPerCode</c> codes as packed words.</summary>
    public void Fill(Span<ulong> words)
    {
        for (var at = 0; at + WordsPerCode <= words.Length; at += WordsPerCode)
        {
            var code = words.Slice(at, WordsPerCode);
            if (_centres is null)
            {
                RandomCode(code);
                continue;
            }

            var centre = _random.Next(ClusterCentres);
            for (var w = 0; w < WordsPerCode; w++)
            {
                var flips = NextWord() & NextWord() & NextWord();
                code[w] = (_centres[centre * WordsPerCode + w] ^ flips) & ValidMask(w);
            }
        }
    }

    public BinaryCode Next()
    {
        Span<ulong> words = stackalloc ulong[WordsPerCode];
        Fill(words);
        return BinaryCode.FromWords(words, Bits);
    }

    public BinaryCode[] Take(int count)
    {
        var codes = new BinaryCode[count];
        for (var i = 0; i < count; i++)
        {
            codes[i] = Next();
        }

        return codes;
    }

    private void RandomCode(Span<ulong> code)
    {
        for (var w = 0; w < code.Length; w++)
        {
            code[w] = NextWord() & ValidMask(w);
        }
    }

    private ulong ValidMask(int word)
    {
        var bitsInWord = Math.Min(64, Bits - word * 64);
        return bitsInWord == 64 ? ulong.MaxValue : ~(ulong.MaxValue >> bitsInWord);
    }

    private ulong NextWord() => (ulong)_random.NextInt64() ^ ((ulong)_random.Next() << 63);
}
