using System.Text.Json;
using System.Text.Json.Nodes;
using Mth.Dicom.Data;
using Mth.Dicom.IO;
using Mth.Dicom.Json;
using Mth.Dicom.Tests.Json;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Corpus;

[Trait("Category", SharedCorpus.Category)]
public sealed class CorpusJsonTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Readable => SharedCorpus.Readable();

    [Theory]
    [MemberData(nameof(Readable))]
    public void The_json_dump_equals_dcm2json(string relative)
    {
        var path = SharedCorpus.PathOf(relative);
        string ours;
        List<string> unknown = [];
        using (var file = DicomFile.Open(path))
        {
            Assert.True(file.DataSet.CharacterSet.IsFullySupported);
            if (file.TransferSyntax.IsEncapsulated)
            {
                // dcm2json refuses to inline compressed pixel data: compare the rest (dcmodify's
                // rewrite also drops the trailing padding).
                var copy = _directory.File("copy.dcm");
                File.Copy(path, copy);
                Dcmtk.RunChecked("dcmodify", "-q", "-nb", "-ea", "(7fe0,0010)", copy);
                path = copy;
                RemoveEverywhere(file.DataSet, DicomTag.PixelData);
                file.DataSet.Remove(DicomTag.DataSetTrailingPadding);
            }

            if (!file.TransferSyntax.IsExplicitVR)
            {
                // Implicit VR: elements outside our dictionary are UN to us, while dcmtk's full
                // dictionary (private ones included) knows more of them.
                unknown = RemoveUnknown(file.DataSet);
            }

            ours = DicomJsonWriter.ToJson(file.DataSet);
        }

        var dcm2json = Dcmtk.Run("dcm2json", path);
        if (dcm2json.ExitCode != 0 && dcm2json.StandardError.Contains("not supported by the utilized character set conversion library", StringComparison.Ordinal))
        {
            // dcmtk's iconv cannot convert this character set (ISO 2022 IR 87): check that ours decoded every character.
            Assert.DoesNotContain('\uFFFD', ours);
            return;
        }

        Assert.True(dcm2json.ExitCode == 0, dcm2json.StandardError);
        var theirs = JsonNode.Parse(dcm2json.StandardOutput)!.AsObject();
        foreach (var key in unknown)
        {
            theirs.Remove(key);
        }

        using var expected = JsonDocument.Parse(theirs.ToJsonString());
        using var actual = JsonDocument.Parse(ours);
        var difference = JsonComparison.FirstDifference(expected.RootElement, actual.RootElement);
        Assert.True(difference is null, difference);
    }

    private static void RemoveEverywhere(DicomDataSet dataSet, DicomTag tag)
    {
        dataSet.Remove(tag);
        foreach (var sequence in dataSet.OfType<DicomSequence>())
        {
            foreach (var item in sequence.Items)
            {
                RemoveEverywhere(item, tag);
            }
        }
    }

    private static List<string> RemoveUnknown(DicomDataSet dataSet)
    {
        var keys = dataSet.Where(element => element.VR == DicomVR.UN).Select(element => element.Tag).ToList();
        foreach (var tag in keys)
        {
            dataSet.Remove(tag);
        }

        return [.. keys.Select(tag => tag.ToJsonKey())];
    }
}
