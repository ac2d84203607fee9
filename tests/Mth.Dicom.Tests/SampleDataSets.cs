using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests;

/// <summary>Small data sets written by dcmtk (dump2dcm) that exercise the grammar: sequences, nesting, private tags, pixel data.</summary>
internal static class SampleDataSets
{
    public const string SopClassUid = "1.2.840.10008.5.1.4.1.1.7";

    /// <summary>Every uncompressed encoding dump2dcm writes, with sequences of defined ("+e") and undefined ("-e") length.</summary>
    public static TheoryData<FixtureEncoding, string> Encodings(bool includeDeflated)
    {
        var data = new TheoryData<FixtureEncoding, string>();
        foreach (var encoding in Enum.GetValues<FixtureEncoding>().Where(e => includeDeflated || e != FixtureEncoding.Deflated))
        {
            data.Add(encoding, "+e");
            data.Add(encoding, "-e");
        }

        return data;
    }

    /// <summary>A data set with nested sequences, a private block and 16-bit pixel data (4x4).</summary>
    public static DicomDumpBuilder Structured(string sopInstanceUid)
    {
        var pixels = new byte[32];
        for (var i = 0; i < 16; i++)
        {
            BitConverter.TryWriteBytes(pixels.AsSpan(i * 2), (ushort)(i * 100));
        }

        return DicomDumpBuilder.WithSopCommon(SopClassUid, sopInstanceUid)
            .Add("(0008,0005) CS [ISO_IR 100]")
            .Add("(0008,0060) CS [OT]")
            .Add("(0010,0010) PN [Doe^Jane]")
            .Add("(0010,0020) LO [ID-42]")
            .Add("(0008,1140) SQ (Sequence with undefined length)")
            .Add("(fffe,e000) na (Item with undefined length)")
            .Add("(0008,1150) UI [1.2.840.10008.5.1.4.1.1.2]")
            .Add("(0008,1155) UI [1.2.3.4.5]")
            .Add("(0040,a170) SQ (Sequence with undefined length)")
            .Add("(fffe,e000) na (Item with undefined length)")
            .Add("(0008,0100) SH [121311]")
            .Add("(0008,0102) SH [DCM]")
            .Add("(0008,0104) LO [Localizer]")
            .Add("(fffe,e00d) na (ItemDelimitationItem)")
            .Add("(fffe,e0dd) na (SequenceDelimitationItem)")
            .Add("(fffe,e00d) na (ItemDelimitationItem)")
            .Add("(fffe,e000) na (Item with undefined length)")
            .Add("(0008,1150) UI [1.2.840.10008.5.1.4.1.1.4]")
            .Add("(fffe,e00d) na (ItemDelimitationItem)")
            .Add("(fffe,e0dd) na (SequenceDelimitationItem)")
            .Add("(0009,0010) LO [MTH TEST]")
            .Add("(0009,1001) LO [private text]")
            .Add("(0009,1002) UN 01\\02\\03\\04")
            .Add("(0018,0050) DS [2.5]")
            .Add("(0020,0013) IS [7]")
            .AddImagePixel(4, 4, 16, 12, 0)
            .AddBinary("7fe0,0010", "OW", pixels);
    }
}
