using System.Text;
using System.Text.Json;
using Mth.Dicom.Data;
using Mth.Dicom.IO;
using Mth.Dicom.Json;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Data;

public sealed class DicomCharacterSetTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, int, string> SingleTermSets => new()
    {
        { "ISO_IR 100", 28591, "Müller^Zoë" },
        { "ISO_IR 192", 65001, "Ødegård^Łukasz^王" },
        { "ISO_IR 101", 28592, "Dvořák^Łucja" },
        { "ISO_IR 144", 28595, "Иванов^Пётр" },
        { "ISO_IR 126", 28597, "Παπαδόπουλος" },
        { "ISO_IR 148", 28599, "Öztürk^Şule" },
        { "GB18030", 54936, "王^小明" },
    };

    [Theory]
    [MemberData(nameof(SingleTermSets))]
    public void Names_decode_as_dcmtk_decodes_them(string term, int codePage, string name)
    {
        var bytes = (codePage switch { 65001 => new UTF8Encoding(false), 28591 => Encoding.Latin1, _ => CodePagesEncodingProvider.Instance.GetEncoding(codePage)! }).GetBytes(name);
        var path = DicomDumpBuilder.WithSopCommon()
            .Add($"(0008,0005) CS [{term}]")
            .Add("(0010,0010) PN [" + Encoding.Latin1.GetString(bytes) + "]")
            .Write(_directory, "name.dcm");

        using var file = DicomFile.Open(path);

        Assert.True(file.DataSet.CharacterSet.IsFullySupported);
        Assert.Equal(name, file.DataSet.GetString(DicomTag.PatientName));
        using var theirs = JsonDocument.Parse(Dcmtk.RunChecked("dcm2json", path));
        using var ours = JsonDocument.Parse(DicomJsonWriter.ToJson(file.DataSet));
        Assert.Equal(
            theirs.RootElement.GetProperty("00100010").GetProperty("Value")[0].GetProperty("Alphabetic").GetString(),
            ours.RootElement.GetProperty("00100010").GetProperty("Value")[0].GetProperty("Alphabetic").GetString());
    }

    [Fact]
    public void Japanese_names_with_jis_x_0208_escapes_decode_as_in_ps3_5_annex_h()
    {
        // PS3.5 H.3.1: Yamada^Tarou=山田^太郎=やまだ^たろう in ISO 2022 IR 87.
        var bytes = Encoding.ASCII.GetBytes("Yamada^Tarou=\u001b$B;3ED\u001b(B^\u001b$BB@O:\u001b(B=\u001b$B$d$^$@\u001b(B^\u001b$B$?$m$&\u001b(B");
        var characterSet = DicomCharacterSet.FromTerms(["", "ISO 2022 IR 87"]);

        Assert.True(characterSet.IsFullySupported);
        Assert.Equal("Yamada^Tarou=山田^太郎=やまだ^たろう", characterSet.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Korean_names_switch_to_ks_x_1001_in_g1()
    {
        var korean = CodePagesEncodingProvider.Instance.GetEncoding(949)!;
        byte[] escape = [0x1B, (byte)'$', (byte)')', (byte)'C'];
        byte[] bytes = [.. "Hong^Gildong="u8, .. escape, .. korean.GetBytes("洪"), (byte)'^', .. escape, .. korean.GetBytes("吉洞"),
            (byte)'=', .. escape, .. korean.GetBytes("홍"), (byte)'^', .. escape, .. korean.GetBytes("길동")];
        var characterSet = DicomCharacterSet.FromTerms(["", "ISO 2022 IR 149"]);

        Assert.Equal("Hong^Gildong=洪^吉洞=홍^길동", characterSet.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Single_byte_code_extensions_switch_sets_at_escapes()
    {
        // ISO 2022 IR 100 (ESC - A) then ISO 2022 IR 144 (ESC - L) in G1.
        byte[] bytes = [.. "A"u8, 0x1B, (byte)'-', (byte)'A', 0xFC, (byte)'^', 0x1B, (byte)'-', (byte)'L', 0xB8];
        var characterSet = DicomCharacterSet.FromTerms(["ISO 2022 IR 100", "ISO 2022 IR 144"]);

        Assert.Equal("Aü^И", characterSet.Decode(bytes, DicomVR.LO));
    }

    [Fact]
    public void Unsupported_sets_degrade_to_replacement_characters_and_say_so()
    {
        var characterSet = DicomCharacterSet.FromTerms(["ISO_IR 999"]);

        Assert.False(characterSet.IsFullySupported);
        Assert.Equal(["ISO_IR 999"], characterSet.UnsupportedTerms);
        Assert.Equal("Ab\uFFFD", characterSet.Decode([(byte)'A', (byte)'b', 0xE9], DicomVR.PN));
        Assert.False(DicomCharacterSet.FromTerms(["", "ISO 2022 IR 159"]).IsFullySupported);
    }

    [Fact]
    public void Only_the_vrs_of_ps3_5_6_1_2_3_use_the_character_set()
    {
        var characterSet = DicomCharacterSet.FromTerms(["ISO_IR 192"]);
        byte[] utf8 = [0xC3, 0xBC];

        Assert.Equal("ü", characterSet.Decode(utf8, DicomVR.LO));
        Assert.Equal("Ã¼", characterSet.Decode(utf8, DicomVR.CS));
    }

    [Fact]
    public void Without_a_specific_character_set_bytes_above_ascii_read_as_latin_1()
    {
        Assert.Equal("Müller", DicomCharacterSet.Default.Decode(Encoding.Latin1.GetBytes("Müller"), DicomVR.PN));
    }
}
