using System.Globalization;

namespace Mth.Dicom;

/// <summary>An attribute tag (group, element) as defined in PS3.5 section 7.1.</summary>
public readonly partial record struct DicomTag(ushort Group, ushort Element) : IComparable<DicomTag>
{
    /// <summary>The tag as one 32-bit number, group in the high half: the order of elements in a data set.</summary>
    public uint Value => ((uint)Group << 16) | Element;

    public bool IsPrivate => (Group & 1) == 1;

    /// <summary>Group length tags (gggg,0000), retired outside the command and file meta groups.</summary>
    public bool IsGroupLength => Element == 0x0000;

    public static DicomTag FromValue(uint value) => new((ushort)(value >> 16), (ushort)value);

    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;
    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;
    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;
    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;

    /// <summary>Formats as <c>(GGGG,EEEE)</c>, upper-case hex, like dcmdump.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Group:X4},{Element:X4})");

    /// <summary>Formats as <c>GGGGEEEE</c>, the key form of the PS3.18 JSON model.</summary>
    public string ToJsonKey() => string.Create(CultureInfo.InvariantCulture, $"{Group:X4}{Element:X4}");

    // Data-element tags that delimit sequences and items (PS3.5 section 7.5).
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);
    public static readonly DicomTag ItemDelimitationItem = new(0xFFFE, 0xE00D);
    public static readonly DicomTag SequenceDelimitationItem = new(0xFFFE, 0xE0DD);
}
