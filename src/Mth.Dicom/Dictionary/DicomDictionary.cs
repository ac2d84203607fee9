using System.Collections.Frozen;
using System.Globalization;

namespace Mth.Dicom.Dictionary;

/// <summary>One attribute of the data dictionary (PS3.6).</summary>
/// <param name="Tag">The tag; for a repeating group (60xx) the first group.</param>
/// <param name="VR">The VR assumed when the encoding does not say (implicit VR).</param>
/// <param name="AllowedVRs">Every VR PS3.6 allows (for example OB and OW for pixel data).</param>
/// <param name="Multiplicity">Value multiplicity as PS3.6 writes it: "1", "2", "1-n", "2-2n" …</param>
public sealed record DicomDictionaryEntry(DicomTag Tag, string Keyword, DicomVR VR, IReadOnlyList<DicomVR> AllowedVRs, string Multiplicity);

/// <summary>
/// Looks up attributes by tag or keyword. Private tags are not in it (their meaning depends
/// on the private creator); private creator elements (gggg,0010-00FF) are LO and group
/// lengths (gggg,0000) UL, as PS3.5 7.8.1 and 7.2 define.
/// </summary>
public static partial class DicomDictionary
{
    private static readonly FrozenDictionary<uint, DicomDictionaryEntry> ByTag;
    private static readonly FrozenDictionary<string, DicomDictionaryEntry> ByKeyword;

    static DicomDictionary()
    {
        var byTag = new Dictionary<uint, DicomDictionaryEntry>();
        foreach (var line in Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            var group = parts[0][..4];
            var tag = new DicomTag(
                ushort.Parse(group.Replace("xx", "00", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ushort.Parse(parts[0][5..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            var vrs = parts[1].Split('|').Select(DicomVR.Parse).ToArray();
            byTag.Add(tag.Value, new DicomDictionaryEntry(tag, parts[3], vrs[0], vrs, parts[2]));
        }

        ByTag = byTag.ToFrozenDictionary();
        ByKeyword = byTag.Values.ToFrozenDictionary(entry => entry.Keyword, StringComparer.Ordinal);
    }

    /// <summary>Every entry, in tag order.</summary>
    public static IEnumerable<DicomDictionaryEntry> Entries => ByTag.Values.OrderBy(entry => entry.Tag.Value);

    public static bool TryGetEntry(DicomTag tag, out DicomDictionaryEntry entry)
    {
        if (ByTag.TryGetValue(tag.Value, out entry!))
        {
            return true;
        }

        // Repeating groups (PS3.5 7.6): overlays 6000-601E, even groups only.
        if ((tag.Group & 0xFF01) == 0x6000 && ByTag.TryGetValue(new DicomTag(0x6000, tag.Element).Value, out var repeating))
        {
            entry = repeating with { Tag = tag };
            return true;
        }

        entry = null!;
        return false;
    }

    public static bool TryGetEntry(string keyword, out DicomDictionaryEntry entry) => ByKeyword.TryGetValue(keyword, out entry!);

    /// <summary>The keyword of a tag, or null for private and unknown tags.</summary>
    public static string? GetKeyword(DicomTag tag) => TryGetEntry(tag, out var entry) ? entry.Keyword : null;

    /// <summary>
    /// The VR a reader assumes for an implicit VR element: the dictionary's, LO for private
    /// creators, UL for group lengths, else UN.
    /// </summary>
    public static DicomVR GetImplicitVR(DicomTag tag)
    {
        if (ByTag.TryGetValue(tag.Value, out var entry))
        {
            return entry.VR;
        }

        if (tag.Element == 0x0000)
        {
            return DicomVR.UL;
        }

        if (tag.IsPrivate)
        {
            return tag.Element is >= 0x0010 and <= 0x00FF ? DicomVR.LO : DicomVR.UN;
        }

        return TryGetEntry(tag, out entry) ? entry.VR : DicomVR.UN;
    }
}
