using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Mth.Dicom.Dictionary;

namespace Mth.Dicom.Data;

// Typed access to values (PS3.5 6.2). Getters return null (or an empty array) when the
// element is absent or empty and throw DicomFormatException when a value is present but not
// of its VR's form; the Try forms return false instead. Messages name tags, never values.
public sealed partial class DicomDataSet
{
    /// <summary>The raw value of an element (null when absent or not a value element).</summary>
    public DicomValue? GetValue(DicomTag tag) => (this[tag] as DicomValueElement)?.Value;

    public DicomSequence? GetSequence(DicomTag tag) => this[tag] as DicomSequence;

    /// <summary>The whole text value, decoded with the Specific Character Set, padding removed; null when absent.</summary>
    public string? GetString(DicomTag tag)
    {
        if (this[tag] is not DicomValueElement element || !element.VR.IsString && element.VR != DicomVR.UN)
        {
            return null;
        }

        var text = Decode(element);
        return TrimValue(text, element.VR);
    }

    /// <summary>The values of a multi-valued text element (split at backslashes, except for LT, ST, UT, UR); empty when absent.</summary>
    public string[] GetStrings(DicomTag tag)
    {
        if (this[tag] is not DicomValueElement element || !element.VR.IsString || element.Value.Length == 0)
        {
            return [];
        }

        var text = Decode(element);
        if (!IsMultiValued(element.VR))
        {
            return [TrimValue(text, element.VR)];
        }

        var values = text.Split('\\');
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = TrimValue(values[i], element.VR);
        }

        return values;
    }

    /// <summary>A UID value, padding removed and checked against PS3.5 9.1; null when absent or empty.</summary>
    public string? GetUid(DicomTag tag)
    {
        var value = GetString(tag);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return DicomUid.IsValid(value) ? value : throw new DicomFormatException($"{Name(tag)} is not a valid UID (PS3.5 9.1)");
    }

    /// <summary>Number of values: binary values by their size, text values by backslashes; 0 when absent.</summary>
    public int GetValueCount(DicomTag tag)
    {
        if (this[tag] is not DicomValueElement element || element.Value.Length == 0)
        {
            return 0;
        }

        var size = BinarySize(element.VR);
        return size > 0 ? (int)(element.Value.Length / size) : element.VR.IsString ? GetStrings(tag).Length : 1;
    }

    public int? GetInt32(DicomTag tag, int index = 0) =>
        TryGetNumber(tag, index, out var value, out var found) ? checked((int)value) : found ? throw NotANumber(tag, index) : null;

    public bool TryGetInt32(DicomTag tag, out int value, int index = 0)
    {
        if (TryGetNumber(tag, index, out var number, out _) && number == Math.Floor(number) && number is >= int.MinValue and <= int.MaxValue)
        {
            value = (int)number;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>A number from a binary (US, SS, UL, SL, FL, FD, SV, UV) or text (DS, IS) value.</summary>
    public double? GetDouble(DicomTag tag, int index = 0) =>
        TryGetNumber(tag, index, out var value, out var found) ? value : found ? throw NotANumber(tag, index) : null;

    public bool TryGetDouble(DicomTag tag, out double value, int index = 0) => TryGetNumber(tag, index, out value, out _);

    /// <summary>All values as numbers; empty when absent. Throws when one is not a number.</summary>
    public double[] GetDoubles(DicomTag tag)
    {
        var count = GetValueCount(tag);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = GetDouble(tag, i) ?? throw NotANumber(tag, i);
        }

        return values;
    }

    /// <summary>A DA value (YYYYMMDD, or the ACR-NEMA form YYYY.MM.DD); null when absent or empty.</summary>
    public DateOnly? GetDate(DicomTag tag) => GetString(tag) is { Length: > 0 } text
        ? DicomValueParser.TryParseDate(text, out var date) ? date : throw new DicomFormatException($"{Name(tag)} is not a valid date (DA)")
        : null;

    /// <summary>A TM value (HH, HHMM, HHMMSS, HHMMSS.FFFFFF, or HH:MM:SS); null when absent or empty.</summary>
    public TimeOnly? GetTime(DicomTag tag) => GetString(tag) is { Length: > 0 } text
        ? DicomValueParser.TryParseTime(text, out var time) ? time : throw new DicomFormatException($"{Name(tag)} is not a valid time (TM)")
        : null;

    /// <summary>A DT value (YYYY[MM[DD[HH[MM[SS[.F]]]]]][&amp;ZZXX]); the offset, when given, is in <see cref="DateTimeOffset.Offset"/>.</summary>
    public DateTimeOffset? GetDateTime(DicomTag tag) => GetString(tag) is { Length: > 0 } text
        ? DicomValueParser.TryParseDateTime(text, out var dateTime) ? dateTime : throw new DicomFormatException($"{Name(tag)} is not a valid date time (DT)")
        : null;

    /// <summary>Sets a text element, encoded with this data set's character set and padded to even length.</summary>
    public void SetString(DicomTag tag, DicomVR vr, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(vr);
        ArgumentNullException.ThrowIfNull(values);
        if (!vr.IsString)
        {
            throw new ArgumentException($"{vr} is not a text VR.", nameof(vr));
        }

        var text = string.Join('\\', values);
        var bytes = tag == DicomTag.SpecificCharacterSet ? Encoding.ASCII.GetBytes(text) : CharacterSet.Encode(text, vr);
        if ((bytes.Length & 1) != 0)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = vr.Padding;
        }

        Set(new DicomValueElement(tag, vr, DicomValue.FromBytes(bytes)));
    }

    /// <summary>Sets a US element.</summary>
    public void SetUInt16(DicomTag tag, params ushort[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }

        Set(new DicomValueElement(tag, DicomVR.US, DicomValue.FromBytes(bytes)));
    }

    /// <summary>Sets a binary element from little-endian bytes (odd lengths are padded with a zero byte).</summary>
    public void SetBytes(DicomTag tag, DicomVR vr, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if ((bytes.Length & 1) != 0)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
        }

        Set(new DicomValueElement(tag, vr, DicomValue.FromBytes(bytes)));
    }

    private string Decode(DicomValueElement element)
    {
        var memory = element.Value.GetMemory();
        return CharacterSet.Decode(memory.Span, element.VR);
    }

    private bool TryGetNumber(DicomTag tag, int index, out double value, out bool found)
    {
        value = 0;
        found = false;
        if (this[tag] is not DicomValueElement element || element.Value.Length == 0 || index < 0)
        {
            return false;
        }

        var size = BinarySize(element.VR);
        if (size > 0)
        {
            if ((long)(index + 1) * size > element.Value.Length)
            {
                return false;
            }

            found = true;
            Span<byte> bytes = stackalloc byte[8];
            element.Value.Read((long)index * size, bytes[..size]);
            value = ReadBinaryNumber(element.VR, bytes);
            return true;
        }

        if (element.VR != DicomVR.DS && element.VR != DicomVR.IS)
        {
            return false;
        }

        var values = GetStrings(tag);
        if (index >= values.Length || values[index].Length == 0)
        {
            return false;
        }

        found = true;
        return element.VR == DicomVR.IS
            ? DicomValueParser.TryParseIntegerString(values[index], out value)
            : DicomValueParser.TryParseDecimalString(values[index], out value);
    }

    private static double ReadBinaryNumber(DicomVR vr, ReadOnlySpan<byte> bytes) => vr.Code switch
    {
        "US" => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        "SS" => BinaryPrimitives.ReadInt16LittleEndian(bytes),
        "UL" => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        "SL" => BinaryPrimitives.ReadInt32LittleEndian(bytes),
        "FL" => BinaryPrimitives.ReadSingleLittleEndian(bytes),
        "FD" => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
        "SV" => BinaryPrimitives.ReadInt64LittleEndian(bytes),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
    };

    private static int BinarySize(DicomVR vr) => vr.Code switch
    {
        "US" or "SS" => 2,
        "UL" or "SL" or "FL" => 4,
        "FD" or "SV" or "UV" => 8,
        _ => 0,
    };

    private static bool IsMultiValued(DicomVR vr) => vr != DicomVR.LT && vr != DicomVR.ST && vr != DicomVR.UT && vr != DicomVR.UR;

    /// <summary>Removes the padding PS3.5 6.2 calls insignificant: trailing spaces and NULs always, leading spaces where the VR says so.</summary>
    internal static string TrimValue(string value, DicomVR vr)
    {
        var trimmed = value.TrimEnd(' ', '\0');
        return vr == DicomVR.AE || vr == DicomVR.CS || vr == DicomVR.DS || vr == DicomVR.IS || vr == DicomVR.LO || vr == DicomVR.SH
            ? trimmed.TrimStart(' ')
            : trimmed;
    }

    private static string Name(DicomTag tag) => DicomDictionary.GetKeyword(tag) is { } keyword ? $"{tag} {keyword}" : tag.ToString();

    private static DicomFormatException NotANumber(DicomTag tag, int index) =>
        new($"Value {index + 1} of {Name(tag)} is not a number of its VR");
}

/// <summary>Parsers for the text forms of PS3.5 6.2 (DS, IS, DA, TM, DT).</summary>
public static class DicomValueParser
{
    /// <summary>DS: a fixed or floating point number, at most 16 characters (length not enforced), leading/trailing spaces allowed.</summary>
    public static bool TryParseDecimalString(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text.Trim(' '), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>IS: an optionally signed integer in the 32-bit range (PS3.5 6.2). A decimal with a zero fraction ("12.0"), which some writers produce, is accepted.</summary>
    public static bool TryParseIntegerString(ReadOnlySpan<char> text, out double value)
    {
        var trimmed = text.Trim(' ');
        if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) && integer is >= int.MinValue and <= uint.MaxValue)
        {
            value = integer;
            return true;
        }

        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value == Math.Floor(value) && double.IsFinite(value);
    }

    public static bool TryParseDate(ReadOnlySpan<char> text, out DateOnly date)
    {
        text = text.Trim(' ');
        var format = text.Length == 10 && text[4] == '.' ? "yyyy.MM.dd" : "yyyyMMdd";
        return DateOnly.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    public static bool TryParseTime(ReadOnlySpan<char> text, out TimeOnly time)
    {
        text = text.Trim(' ');
        time = default;
        if (text.Length >= 5 && text[2] == ':')
        {
            return TimeOnly.TryParseExact(text, text.Length >= 8 ? "HH:mm:ss" : "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
        }

        if (text.Length is 2 or 4 or >= 6 && AllDigits(text[..Math.Min(6, text.Length)]))
        {
            var hours = Number(text[..2]);
            var minutes = text.Length >= 4 ? Number(text[2..4]) : 0;
            var seconds = text.Length >= 6 ? Number(text[4..6]) : 0;
            var ticks = 0L;
            if (text.Length > 6)
            {
                if (text[6] != '.' || text.Length > 13 || text.Length == 7 || !AllDigits(text[7..]))
                {
                    return false;
                }

                ticks = Number(text[7..]) * (long)Math.Pow(10, 7 - (text.Length - 7));
            }

            // A leap second (60) is allowed by DICOM; TimeOnly has none, so it becomes 59.999….
            if (hours > 23 || minutes > 59 || seconds > 60)
            {
                return false;
            }

            time = new TimeOnly(hours, minutes, Math.Min(seconds, 59)).Add(TimeSpan.FromTicks(seconds == 60 ? TimeSpan.TicksPerSecond - 1 : ticks));
            return true;
        }

        return false;
    }

    public static bool TryParseDateTime(ReadOnlySpan<char> text, out DateTimeOffset dateTime)
    {
        text = text.Trim(' ');
        dateTime = default;
        var offset = TimeSpan.Zero;
        var hasOffset = false;
        var sign = text.IndexOfAny('+', '-');
        if (sign >= 4)
        {
            var zone = text[(sign + 1)..];
            if (zone.Length != 4 || !AllDigits(zone))
            {
                return false;
            }

            offset = new TimeSpan(Number(zone[..2]), Number(zone[2..]), 0);
            offset = text[sign] == '-' ? -offset : offset;
            hasOffset = true;
            text = text[..sign];
        }

        if (text.Length < 4 || !AllDigits(text[..Math.Min(text.Length, 14)]))
        {
            return false;
        }

        var year = Number(text[..4]);
        var month = text.Length >= 6 ? Number(text[4..6]) : 1;
        var day = text.Length >= 8 ? Number(text[6..8]) : 1;
        TimeOnly time = default;
        if (text.Length > 8 && !TryParseTime(text[8..], out time))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        var local = new DateTime(new DateOnly(year, month, day), time, DateTimeKind.Unspecified);
        dateTime = new DateTimeOffset(local, hasOffset ? offset : TimeSpan.Zero);
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int Number(ReadOnlySpan<char> digits) => int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
}
