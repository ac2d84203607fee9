using System.Reflection;
using Mth.Dicom.Dictionary;

namespace Mth.Dicom.Tests.Dictionary;

public sealed class DicomDictionaryTests
{
    private const string DcmtkDictionary = "/usr/share/libdcmtk17/dicom.dic";

    [Fact]
    public void Every_entry_agrees_with_dcmtks_data_dictionary()
    {
        var path = File.Exists(DcmtkDictionary) ? DcmtkDictionary
            : Directory.EnumerateFiles("/usr/share", "dicom.dic", SearchOption.AllDirectories).FirstOrDefault();
        Assert.True(path is not null, "dcmtk's dicom.dic was not found: install dcmtk.");
        var theirs = new Dictionary<string, (string VR, string Keyword, string Multiplicity)>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split('\t');
            if (line.StartsWith('#') || parts.Length < 4)
            {
                continue;
            }

            var tag = parts[0].Trim('(', ')').ToUpperInvariant();
            tag = tag.Contains('-', StringComparison.Ordinal) ? tag[..2] + "XX" + tag[tag.IndexOf(',', StringComparison.Ordinal)..] : tag;
            theirs.TryAdd(tag, (parts[1], parts[2].Replace("RETIRED_", string.Empty, StringComparison.Ordinal), parts[3]));
        }

        Assert.True(DicomDictionary.Entries.Count() > 400);
        foreach (var entry in DicomDictionary.Entries)
        {
            var key = (entry.Tag.Group == 0x6000 ? "60XX" : entry.Tag.Group.ToString("X4")) + "," + entry.Tag.Element.ToString("X4");
            Assert.True(theirs.TryGetValue(key, out var dcmtk), $"{entry.Tag} {entry.Keyword} is not in dcmtk's dictionary");
            Assert.Equal(dcmtk.Keyword, entry.Keyword);
            Assert.Equal(dcmtk.Multiplicity, entry.Multiplicity);
            var allowed = dcmtk.VR switch
            {
                "xs" => "US|SS",
                "ox" or "px" => "OB|OW",
                "lt" => "OW|US",
                "up" => "UL",
                _ => dcmtk.VR,
            };
            Assert.Equal(allowed.Split('|').Order(), entry.AllowedVRs.Select(vr => vr.Code).Order());
        }
    }

    [Fact]
    public void Named_tag_constants_carry_their_dictionary_keyword()
    {
        var fields = typeof(DicomTag).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(DicomTag)).ToList();
        Assert.NotEmpty(fields);
        foreach (var field in fields.Where(f => f.Name is not ("Item" or "ItemDelimitationItem" or "SequenceDelimitationItem")))
        {
            var tag = (DicomTag)field.GetValue(null)!;
            Assert.Equal(field.Name, DicomDictionary.GetKeyword(tag));
        }
    }

    [Fact]
    public void Implicit_vr_lookups_follow_ps3_5_for_private_and_group_length_tags()
    {
        Assert.Equal(DicomVR.UI, DicomDictionary.GetImplicitVR(DicomTag.SOPInstanceUID));
        Assert.Equal(DicomVR.OW, DicomDictionary.GetImplicitVR(DicomTag.PixelData));
        Assert.Equal(DicomVR.LO, DicomDictionary.GetImplicitVR(new DicomTag(0x0029, 0x0010)));
        Assert.Equal(DicomVR.UN, DicomDictionary.GetImplicitVR(new DicomTag(0x0029, 0x1010)));
        Assert.Equal(DicomVR.UL, DicomDictionary.GetImplicitVR(new DicomTag(0x0018, 0x0000)));
        Assert.Equal(DicomVR.UN, DicomDictionary.GetImplicitVR(new DicomTag(0x0018, 0xFFF0)));
        Assert.Equal(DicomVR.OW, DicomDictionary.GetImplicitVR(new DicomTag(0x6002, 0x3000)));
    }

    [Fact]
    public void Keywords_and_tags_look_each_other_up()
    {
        Assert.True(DicomDictionary.TryGetEntry("WindowCenter", out var entry));
        Assert.Equal(DicomTag.WindowCenter, entry.Tag);
        Assert.Equal("1-n", entry.Multiplicity);
        Assert.Equal("OverlayData", DicomDictionary.GetKeyword(new DicomTag(0x6004, 0x3000)));
        Assert.Null(DicomDictionary.GetKeyword(new DicomTag(0x0009, 0x1001)));
    }
}
