using Mth.Dicom.IO;
using Mth.Encoding.Images;
using Mth.Testing.Dicom;

namespace Mth.Encoding.Tests;

/// <summary>DICOM Part 10 files enter the encoding pipeline through the default decoder chain, rendered as the encoder service renders stored instances.</summary>
public sealed class DicomDecodingTests
{
    [Fact]
    public void A_dicom_file_decodes_to_the_same_pixels_as_the_encoder_services_rendering_of_the_stored_file()
    {
        using var directory = new TemporaryDirectory();
        var pixels = Enumerable.Range(0, 24 * 16).Select(i => (byte)(i * 7 % 256)).ToArray();
        var path = new SyntheticInstance { Rows = 16, Columns = 24, Pixels = pixels }.WriteTo(directory.File("a.dcm"));

        var decoded = ImageDecoderChain.Default.Decode(File.ReadAllBytes(path));
        using var file = DicomFile.Open(path);
        var rendered = new DicomImageDecoder().Render(file);

        Assert.Equal((24, 16, 1), (decoded.Width, decoded.Height, decoded.Channels));
        Assert.Equal(rendered.Data, decoded.Data);
        Assert.InRange(decoded.Data.Min(), 0f, 0.01f);
        Assert.InRange(decoded.Data.Max(), 0.99f, 1f);
    }

    [Fact]
    public void A_dicom_object_without_pixel_data_is_refused_with_the_reason()
    {
        using var directory = new TemporaryDirectory();
        var path = new SyntheticInstance { SopClassUid = SyntheticInstance.BasicTextSR, Modality = "SR", WithPixelData = false }.WriteTo(directory.File("sr.dcm"));
        var error = Assert.Throws<ImageDecodingException>(() => ImageDecoderChain.Default.Decode(File.ReadAllBytes(path)));
        Assert.Contains("no pixel data", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_damaged_dicom_file_is_refused_as_damaged()
    {
        using var directory = new TemporaryDirectory();
        var bytes = File.ReadAllBytes(new SyntheticInstance().WriteTo(directory.File("a.dcm")));
        var error = Assert.Throws<ImageDecodingException>(() => ImageDecoderChain.Default.Decode(bytes.AsSpan(0, 200)));
        Assert.StartsWith("DICOM:", error.Message, StringComparison.Ordinal);
        Assert.Contains("dicom", string.Join(",", ImageDecoderChain.Default.Decoders.Select(d => d.Name)), StringComparison.Ordinal);
    }
}
