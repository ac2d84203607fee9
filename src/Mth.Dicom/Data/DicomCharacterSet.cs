using System.Text;

namespace Mth.Dicom.Data;

/// <summary>
/// Decodes the text of a data set under its Specific Character Set (0008,0005), PS3.5 6.1
/// and PS3.3 C.12.1.1.2. Only SH, LO, ST, LT, UC, UT and PN use it; every other text VR is
/// in the default repertoire.
/// </summary>
/// <remarks>
/// Supported: the default repertoire (ISO_IR 6; bytes above 0x7F, which it does not allow,
/// are read as Latin-1 as most readers do), ISO_IR 192 (UTF-8), the single-byte sets
/// ISO_IR 100, 101, 109, 110, 126, 127, 138, 144, 148, 166, 203 and 13, GB18030 and GBK, and
/// ISO 2022 code extensions that switch between those single-byte sets, JIS X 0208
/// (ISO 2022 IR 87), and the double-byte sets of Korean (ISO 2022 IR 149) and Chinese
/// (ISO 2022 IR 58). JIS X 0212 (ISO 2022 IR 159) and unknown terms are not: their bytes
/// decode to U+FFFD and <see cref="IsFullySupported"/> is false, naming them in
/// <see cref="UnsupportedTerms"/>.
/// </remarks>
public sealed class DicomCharacterSet
{
    private const byte Escape = 0x1B;
    private static readonly Encoding Latin1 = Encoding.Latin1;

    private readonly Encoding _initial;
    private readonly bool _usesCodeExtensions;

    private DicomCharacterSet(IReadOnlyList<string> terms, Encoding initial, bool usesCodeExtensions, IReadOnlyList<string> unsupported)
    {
        Terms = terms;
        _initial = initial;
        _usesCodeExtensions = usesCodeExtensions;
        UnsupportedTerms = unsupported;
    }

    /// <summary>The default repertoire (no Specific Character Set).</summary>
    public static DicomCharacterSet Default { get; } = new([], Latin1, false, []);

    /// <summary>The defined terms as given in (0008,0005).</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>Terms this library cannot decode; their characters come out as U+FFFD.</summary>
    public IReadOnlyList<string> UnsupportedTerms { get; }

    public bool IsFullySupported => UnsupportedTerms.Count == 0;

    /// <summary>Builds the character set of the (0008,0005) values (empty values stand for the default repertoire).</summary>
    public static DicomCharacterSet FromTerms(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count == 0 || (terms.Count == 1 && IsDefaultTerm(terms[0])))
        {
            return Default;
        }

        var unsupported = new List<string>();
        var first = terms[0].Trim();
        if (terms.Count == 1 && !first.StartsWith("ISO 2022", StringComparison.Ordinal))
        {
            var encoding = SingleTermEncoding(first);
            if (encoding is null)
            {
                unsupported.Add(first);
            }

            return new DicomCharacterSet(terms, encoding ?? Unsupported, false, unsupported);
        }

        // Code extensions (PS3.5 6.1.2.5): the first term is the initial set, the others can be
        // designated by escape sequences.
        var initial = IsDefaultTerm(first) ? Latin1 : ExtensionEncoding(first);
        if (initial is null)
        {
            unsupported.Add(first);
        }

        foreach (var term in terms.Skip(1).Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            var encoding = ExtensionEncoding(term);
            if (encoding is null)
            {
                unsupported.Add(term);
            }
        }

        return new DicomCharacterSet(terms, initial ?? Latin1, true, unsupported);
    }

    /// <summary>Decodes value bytes of a VR (only the VRs that use the character set are affected).</summary>
    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(vr);
        if (!UsesCharacterSet(vr))
        {
            return Latin1.GetString(bytes);
        }

        return _usesCodeExtensions && bytes.Contains(Escape) ? DecodeWithEscapes(bytes) : _initial.GetString(bytes);
    }

    /// <summary>Encodes text for a VR: UTF-8 or a single-byte set when that is the data set's set, else Latin-1.</summary>
    public byte[] Encode(string text, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(vr);
        return UsesCharacterSet(vr) && !_usesCodeExtensions && IsFullySupported ? _initial.GetBytes(text) : Latin1.GetBytes(text);
    }

    /// <summary>Whether a VR's text is encoded with the Specific Character Set (PS3.5 6.1.2.3).</summary>
    public static bool UsesCharacterSet(DicomVR vr) =>
        vr == DicomVR.SH || vr == DicomVR.LO || vr == DicomVR.ST || vr == DicomVR.LT
        || vr == DicomVR.UC || vr == DicomVR.UT || vr == DicomVR.PN;

    private static readonly Encoding Unsupported = Encoding.GetEncoding("us-ascii", EncoderFallback.ReplacementFallback, new DecoderReplacementFallback("\uFFFD"));

    private static bool IsDefaultTerm(string term) => term.Trim() is "" or "ISO_IR 6" or "ISO 2022 IR 6";

    private static Encoding? SingleTermEncoding(string term) => term switch
    {
        "ISO_IR 192" => new UTF8Encoding(false, false),
        "GB18030" => CodePage(54936),
        "GBK" => CodePage(936),
        _ when term.StartsWith("ISO_IR ", StringComparison.Ordinal) => IsoIrEncoding(term["ISO_IR ".Length..]),
        _ => null,
    };

    private static Encoding? ExtensionEncoding(string term) => term switch
    {
        _ when term.StartsWith("ISO 2022 IR ", StringComparison.Ordinal) => term["ISO 2022 IR ".Length..] switch
        {
            "6" => Latin1,
            "149" => CodePage(949),
            "58" => CodePage(936),
            "87" => Iso2022Japanese,
            var number => IsoIrEncoding(number),
        },
        _ => SingleTermEncoding(term),
    };

    private static Encoding? IsoIrEncoding(string number) => number switch
    {
        "100" => Latin1,
        "101" => CodePage(28592),
        "109" => CodePage(28593),
        "110" => CodePage(28594),
        "144" => CodePage(28595),
        "127" => CodePage(28596),
        "126" => CodePage(28597),
        "138" => CodePage(28598),
        "148" => CodePage(28599),
        "166" => CodePage(874),
        "203" => CodePage(28605),
        "13" => CodePage(932),
        _ => null,
    };

    private static Encoding? CodePage(int codePage)
    {
        try
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(codePage) ?? Encoding.GetEncoding(codePage);
        }
        catch (NotSupportedException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Splits the bytes at escape sequences and decodes each run with the set it designates.
    /// The initial set returns at value and component delimiters and control characters
    /// (PS3.5 6.1.2.5.3), which this decoder approximates by switching back after them.
    /// </summary>
    private string DecodeWithEscapes(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        var current = new RunDecoder(_initial, null);
        var runStart = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b == Escape)
            {
                text.Append(current.Decode(bytes[runStart..i]));
                var (length, decoder) = ParseEscape(bytes[i..]);
                current = decoder;
                i += length;
                runStart = i;
                continue;
            }

            // Delimiters return to the initial set. Inside a JIS X 0208 run the same byte values
            // are halves of two-byte characters; the standard escapes back before a delimiter.
            if (b is (byte)'\\' or (byte)'^' or (byte)'=' or 0x0D or 0x0A or 0x0C or 0x09 && current.Prefix is null)
            {
                text.Append(current.Decode(bytes[runStart..i]));
                text.Append((char)b);
                current = new RunDecoder(_initial, null);
                runStart = ++i;
                continue;
            }

            i++;
        }

        text.Append(current.Decode(bytes[runStart..]));
        return text.ToString();
    }

    /// <summary>Decodes a run of bytes in one designated set; a prefix (an escape sequence) is put back for stateful code pages.</summary>
    private readonly record struct RunDecoder(Encoding Encoding, byte[]? Prefix)
    {
        public string Decode(ReadOnlySpan<byte> run)
        {
            if (Prefix is null || run.IsEmpty)
            {
                return Encoding.GetString(run);
            }

            var bytes = new byte[Prefix.Length + run.Length];
            Prefix.CopyTo(bytes, 0);
            run.CopyTo(bytes.AsSpan(Prefix.Length));
            return Encoding.GetString(bytes);
        }
    }

    private static readonly Encoding? Iso2022Japanese = CodePage(50220);

    private static (int Length, RunDecoder Decoder) ParseEscape(ReadOnlySpan<byte> bytes)
    {
        var (length, encoding) = ParseSingleByteOrKoreanChineseEscape(bytes);
        if (encoding is not null)
        {
            return (length, new RunDecoder(encoding, null));
        }

        // ESC $ B (JIS X 0208, ISO 2022 IR 87) in G0: the ISO-2022-JP code page decodes it given its escape.
        if (bytes.Length >= 3 && bytes[1] == (byte)'$' && bytes[2] == (byte)'B' && Iso2022Japanese is not null)
        {
            return (3, new RunDecoder(Iso2022Japanese, [Escape, (byte)'$', (byte)'B']));
        }

        // Anything else (JIS X 0212 …) is not decoded.
        return (bytes.Length >= 4 && bytes[1] == (byte)'$' && bytes[2] == (byte)'(' ? 4 : Math.Min(3, bytes.Length), new RunDecoder(Unsupported, null));
    }

    private static (int Length, Encoding? Encoding) ParseSingleByteOrKoreanChineseEscape(ReadOnlySpan<byte> bytes)
    {
        // ESC ( B / ESC ( J: ASCII or JIS X 0201 roman in G0; ESC ) I: JIS X 0201 katakana in G1;
        // ESC - F, ESC - A …: 96-character sets in G1; ESC $ ) C / ESC $ ) A: Korean / Chinese in G1.
        if (bytes.Length >= 3 && bytes[1] == (byte)'(' && bytes[2] is (byte)'B' or (byte)'J')
        {
            return (3, Latin1);
        }

        if (bytes.Length >= 3 && bytes[1] == (byte)')' && bytes[2] == (byte)'I')
        {
            return (3, Designated("ISO 2022 IR 13"));
        }

        if (bytes.Length >= 3 && bytes[1] == (byte)'-')
        {
            var number = bytes[2] switch
            {
                (byte)'A' => "100",
                (byte)'B' => "101",
                (byte)'C' => "109",
                (byte)'D' => "110",
                (byte)'L' => "144",
                (byte)'G' => "127",
                (byte)'F' => "126",
                (byte)'H' => "138",
                (byte)'M' => "148",
                (byte)'T' => "166",
                (byte)'b' => "203",
                _ => null,
            };
            return (3, number is null ? Unsupported : Designated("ISO 2022 IR " + number));
        }

        if (bytes.Length >= 4 && bytes[1] == (byte)'$' && bytes[2] == (byte)')')
        {
            return (4, bytes[3] switch
            {
                (byte)'C' => Designated("ISO 2022 IR 149"),
                (byte)'A' => Designated("ISO 2022 IR 58"),
                _ => Unsupported,
            });
        }

        return (0, null);
    }

    private static Encoding Designated(string term) => ExtensionEncoding(term) ?? Unsupported;
}
