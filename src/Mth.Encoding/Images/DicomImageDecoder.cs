using Mth.Dicom;
using Mth.Dicom.Imaging;
using Mth.Dicom.IO;
using Mth.Imaging;

namespace Mth.Encoding.Images;

/// <summary>
/// DICOM Part 10 files through Mth.Dicom's renderer (modality LUT, VOI window, MONOCHROME1 inverted,
/// colour to RGB; the middle frame of a multi-frame image), at the image's own size: the preprocessor
/// then takes it to S x S like any other image. <see cref="Render"/> is the one rendering of a DICOM
/// instance for the model, used by this decoder (uploads to the query service, DICOM in training
/// data) and by the encoder service on stored instances, so all three give the model identical input.
/// </summary>
public sealed class DicomImageDecoder : IImageDecoder
{
    private static ReadOnlySpan<byte> Prefix => "DICM"u8;

    private readonly DicomRenderOptions _renderOptions;
    private readonly DicomReaderOptions _readerOptions;

    public DicomImageDecoder(DicomRenderOptions? renderOptions = null, DicomReaderOptions? readerOptions = null)
    {
        _renderOptions = renderOptions ?? DicomRenderOptions.Default;
        _readerOptions = readerOptions ?? DicomReaderOptions.Default;
    }

    public string Name => "dicom";

    /// <summary>Part 10: "DICM" after the 128-byte preamble.</summary>
    public bool CanDecode(ReadOnlySpan<byte> header) => header.Length >= 132 && header.Slice(128, 4).SequenceEqual(Prefix);

    public FloatImage Decode(ReadOnlySpan<byte> file)
    {
        if (!CanDecode(file))
        {
            throw new ImageDecodingException("Not a DICOM Part 10 file (no \"DICM\" after the preamble).");
        }

        try
        {
            using var stream = new MemoryStream(file.ToArray(), writable: false);
            using var dicom = DicomFile.Open(stream, _readerOptions);
            return Render(dicom);
        }
        catch (DicomException exception)
        {
            throw new ImageDecodingException($"DICOM: {exception.Message}", exception);
        }
    }

    /// <summary>The model's view of an opened instance. Throws Mth.Dicom's exceptions unchanged: <see cref="DicomImageException"/>
    /// (no pixel data, attributes that cannot be rendered), <see cref="DicomUnsupportedTransferSyntaxException"/>, <see cref="DicomFormatException"/>.</summary>
    public FloatImage Render(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return DicomImageRenderer.Render(file, _renderOptions).Image;
    }
}
