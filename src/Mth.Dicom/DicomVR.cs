namespace Mth.Dicom;

/// <summary>
/// A value representation (PS3.5 section 6.2). Carries the two facts an encoder needs:
/// whether explicit-VR encoding uses the long (4-byte) length form, and the padding byte.
/// </summary>
public sealed class DicomVR : IEquatable<DicomVR>
{
    private DicomVR(string code, bool hasLongLength, byte padding, bool isString)
    {
        Code = code;
        HasLongLength = hasLongLength;
        Padding = padding;
        IsString = isString;
        ByteSwapSize = SwapSizeOf(code);
    }

    /// <summary>The two-character code, for example <c>"UI"</c>.</summary>
    public string Code { get; }

    /// <summary>Explicit VR: 2 reserved bytes and a 32-bit length (OB, OW, SQ, UN, UT …) instead of a 16-bit length.</summary>
    public bool HasLongLength { get; }

    /// <summary>Byte used to pad values to even length: NUL for UI and binary VRs, space for text.</summary>
    public byte Padding { get; }

    public bool IsString { get; }

    public ushort Code16 => (ushort)((Code[0] << 8) | Code[1]);

    public static readonly DicomVR AE = new("AE", false, (byte)' ', true);
    public static readonly DicomVR AS = new("AS", false, (byte)' ', true);
    public static readonly DicomVR AT = new("AT", false, 0, false);
    public static readonly DicomVR CS = new("CS", false, (byte)' ', true);
    public static readonly DicomVR DA = new("DA", false, (byte)' ', true);
    public static readonly DicomVR DS = new("DS", false, (byte)' ', true);
    public static readonly DicomVR DT = new("DT", false, (byte)' ', true);
    public static readonly DicomVR FD = new("FD", false, 0, false);
    public static readonly DicomVR FL = new("FL", false, 0, false);
    public static readonly DicomVR IS = new("IS", false, (byte)' ', true);
    public static readonly DicomVR LO = new("LO", false, (byte)' ', true);
    public static readonly DicomVR LT = new("LT", false, (byte)' ', true);
    public static readonly DicomVR OB = new("OB", true, 0, false);
    public static readonly DicomVR OD = new("OD", true, 0, false);
    public static readonly DicomVR OF = new("OF", true, 0, false);
    public static readonly DicomVR OL = new("OL", true, 0, false);
    public static readonly DicomVR OV = new("OV", true, 0, false);
    public static readonly DicomVR OW = new("OW", true, 0, false);
    public static readonly DicomVR PN = new("PN", false, (byte)' ', true);
    public static readonly DicomVR SH = new("SH", false, (byte)' ', true);
    public static readonly DicomVR SL = new("SL", false, 0, false);
    public static readonly DicomVR SQ = new("SQ", true, 0, false);
    public static readonly DicomVR SS = new("SS", false, 0, false);
    public static readonly DicomVR ST = new("ST", false, (byte)' ', true);
    public static readonly DicomVR SV = new("SV", true, 0, false);
    public static readonly DicomVR TM = new("TM", false, (byte)' ', true);
    public static readonly DicomVR UC = new("UC", true, (byte)' ', true);
    public static readonly DicomVR UI = new("UI", false, 0, true);
    public static readonly DicomVR UL = new("UL", false, 0, false);
    public static readonly DicomVR UN = new("UN", true, 0, false);
    public static readonly DicomVR UR = new("UR", true, (byte)' ', true);
    public static readonly DicomVR US = new("US", false, 0, false);
    public static readonly DicomVR UT = new("UT", true, (byte)' ', true);
    public static readonly DicomVR UV = new("UV", true, 0, false);

    private static readonly DicomVR[] All =
    [
        AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH,
        SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV,
    ];

    // Indexed by (first - 'A') * 26 + (second - 'A'): one array load per element header.
    private static readonly DicomVR?[] ByCode = BuildCodeTable();

    /// <summary>Every value representation this library knows.</summary>
    public static IReadOnlyList<DicomVR> Known => All;

    /// <summary>
    /// The size of the unit whose bytes are reversed between little and big endian: 2 for
    /// US, SS, OW and AT (two 16-bit halves), 4 for UL, SL, FL, OF, OL, 8 for FD, OD, SV, UV, OV;
    /// 0 for byte and text values.
    /// </summary>
    public int ByteSwapSize { get; }

    private static int SwapSizeOf(string code) => code switch
    {
        "US" or "SS" or "OW" or "AT" => 2,
        "UL" or "SL" or "FL" or "OF" or "OL" => 4,
        "FD" or "OD" or "SV" or "UV" or "OV" => 8,
        _ => 0,
    };

    /// <summary>Looks up a VR by its two bytes as they appear in an explicit-VR stream.</summary>
    public static bool TryParse(byte first, byte second, out DicomVR vr)
    {
        var a = (uint)(first - 'A');
        var b = (uint)(second - 'A');
        if (a < 26 && b < 26 && ByCode[a * 26 + b] is { } found)
        {
            vr = found;
            return true;
        }

        vr = UN;
        return false;
    }

    /// <summary>
    /// Two upper-case letters: the shape of a VR. PS3.5 7.1.2 gives a VR that is not (yet)
    /// known the 32-bit length form, so a reader can step over it and keep it as UN.
    /// </summary>
    public static bool HasVRShape(byte first, byte second) => (uint)(first - 'A') < 26 && (uint)(second - 'A') < 26;

    private static DicomVR?[] BuildCodeTable()
    {
        var table = new DicomVR?[26 * 26];
        foreach (var vr in All)
        {
            table[(vr.Code[0] - 'A') * 26 + (vr.Code[1] - 'A')] = vr;
        }

        return table;
    }

    public static DicomVR Parse(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.Length == 2 && TryParse((byte)code[0], (byte)code[1], out var vr))
        {
            return vr;
        }

        throw new FormatException($"'{code}' is not a DICOM value representation.");
    }

    public bool Equals(DicomVR? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => Code16;

    public override string ToString() => Code;
}
