using Mth.Dicom.Imaging;
using Mth.Dicom.IO;
using Mth.Dicom.Tests.Imaging;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Corpus;

[Trait("Category", SharedCorpus.Category)]
public sealed class CorpusRenderingTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Decoded => SharedCorpus.WithPixels(SharedCorpus.Pixels.Decoded);

    public static TheoryData<string> Unsupported => SharedCorpus.WithPixels(SharedCorpus.Pixels.Unsupported);

    public static TheoryData<string> WithoutPixels => SharedCorpus.WithPixels(SharedCorpus.Pixels.None);

    [Theory]
    [MemberData(nameof(Decoded))]
    public void Every_frame_of_a_decodable_file_renders_like_dcmtk_with_the_same_voi(string relative)
    {
        var path = SharedCorpus.PathOf(relative);
        int frames;
        using (var file = DicomFile.Open(path))
        {
            frames = DicomImageRenderer.Render(file).FrameCount;
        }

        for (var frame = 0; frame < frames; frame++)
        {
            Assert.InRange(RenderComparison.MaxDifference(path, _directory, new DicomRenderOptions { Frame = frame }), 0, 1);
        }
    }

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void A_file_with_compressed_pixel_data_is_refused_as_an_unsupported_transfer_syntax(string relative)
    {
        using var file = DicomFile.Open(SharedCorpus.PathOf(relative));

        var error = Assert.Throws<DicomUnsupportedTransferSyntaxException>(() => DicomImageRenderer.Render(file));

        Assert.Equal(file.TransferSyntax, error.TransferSyntax);
        Assert.False(DicomPixelDecoding.CanDecode(file.TransferSyntax));
    }

    [Theory]
    [MemberData(nameof(WithoutPixels))]
    public void A_file_without_pixel_data_is_refused_with_an_image_error(string relative)
    {
        using var file = DicomFile.Open(SharedCorpus.PathOf(relative));

        Assert.Throws<DicomImageException>(() => DicomImageRenderer.Render(file));
    }
}
