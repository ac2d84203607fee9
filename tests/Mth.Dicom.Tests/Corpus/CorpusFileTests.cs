using Mth.Dicom.IO;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Corpus;

[Trait("Category", SharedCorpus.Category)]
public sealed class CorpusFileTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Readable => SharedCorpus.Readable();

    public static TheoryData<string> Refused => SharedCorpus.WithPixels(SharedCorpus.Pixels.Refused);

    [Fact]
    public void The_corpus_has_all_45_files()
    {
        Assert.Equal(45, SharedCorpus.Files.Count);
        Assert.All(SharedCorpus.Files, file => SharedCorpus.PathOf(file.File));
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void Every_readable_file_parses_and_round_trips_to_an_equal_dcmdump(string relative)
    {
        var path = SharedCorpus.PathOf(relative);
        var copy = _directory.File("copy.dcm");
        string[] readOptions;
        using (var file = DicomFile.Open(path))
        {
            Assert.NotEqual(0, file.DataSet.Count);
            file.Save(copy);
            readOptions = file.IsBareDataSet ? ["-f", file.TransferSyntax.IsBigEndian ? "-tb" : file.TransferSyntax.IsExplicitVR ? "-te" : "-ti"] : [];
        }

        Assert.Equal(Dcmtk.DumpDataSet(path, readOptions), Dcmtk.DumpDataSet(copy));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_malformed_file_is_refused_with_a_format_error_that_says_why(string relative)
    {
        var error = Assert.Throws<DicomFormatException>(() => DicomFile.Open(SharedCorpus.PathOf(relative)));

        Assert.Contains("No file meta information", error.Message, StringComparison.Ordinal);
        Assert.Contains("past the end of the data", error.Message, StringComparison.Ordinal);
    }
}
