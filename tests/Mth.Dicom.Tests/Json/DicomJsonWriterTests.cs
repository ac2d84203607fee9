using System.Text.Json;
using Mth.Dicom.Data;
using Mth.Dicom.IO;
using Mth.Dicom.Json;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Json;

public sealed class DicomJsonWriterTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(FixtureEncoding.ExplicitLittle)]
    [InlineData(FixtureEncoding.ExplicitBig)]
    [InlineData(FixtureEncoding.Deflated)]
    public void The_json_model_of_a_data_set_equals_dcm2jsons(FixtureEncoding encoding)
    {
        var path = SampleDataSets.Structured("1.2.3.4.5.6")
            .Add("(0008,0090) PN [^^^^]")
            .Add("(0010,1001) PN [Doe^J\\\\Roe^R^^^]")
            .Add("(0018,1310) US 0\\256\\256\\0")
            .Add("(0020,0037) DS [1\\0\\0\\0\\+1.5e1\\-0.25]")
            .Add("(0028,0106) SS -5")
            .Add("(0028,1055) LO [A\\\\C]")
            .Add("(0040,a30a) DS [.5]")
            .Add("(0020,9165) AT (0028,0010)\\(7fe0,0010)")
            .Add("(0018,9087) FD 1000.125")
            .Add("(0018,9089) FD 0.5\\-0.5\\1e-300")
            .Add("(0018,1318) DS [00012.50]")
            .Write(_directory, "json.dcm", encoding);

        using var file = DicomFile.Open(path);
        using var ours = JsonDocument.Parse(DicomJsonWriter.ToJson(file.DataSet));
        using var theirs = JsonDocument.Parse(Dcmtk.RunChecked("dcm2json", path));

        var difference = JsonComparison.FirstDifference(theirs.RootElement, ours.RootElement);
        Assert.True(difference is null, difference);
        Assert.Equal(JsonValueKind.Null, ours.RootElement.GetProperty("00101001").GetProperty("Value")[1].ValueKind);
        Assert.False(ours.RootElement.GetProperty("00080090").TryGetProperty("Value", out _));
    }

    [Fact]
    public void Large_binary_values_become_bulk_data_uris_or_are_left_out()
    {
        var data = new DicomDataSet();
        data.SetBytes(DicomTag.PixelData, DicomVR.OW, new byte[100]);
        data.SetBytes(new DicomTag(0x0009, 0x1001), DicomVR.OB, [1, 2]);

        using var withUri = JsonDocument.Parse(DicomJsonWriter.ToJson(data, new DicomJsonOptions { InlineBinaryThreshold = 10, BulkDataUri = (tag, _) => "bulk/" + tag.ToJsonKey() }));
        using var without = JsonDocument.Parse(DicomJsonWriter.ToJson(data, new DicomJsonOptions { InlineBinaryThreshold = 10 }));

        Assert.Equal("bulk/7FE00010", withUri.RootElement.GetProperty("7FE00010").GetProperty("BulkDataURI").GetString());
        Assert.Equal("AQI=", withUri.RootElement.GetProperty("00091001").GetProperty("InlineBinary").GetString());
        Assert.Equal(["vr"], without.RootElement.GetProperty("7FE00010").EnumerateObject().Select(p => p.Name));
    }
}
