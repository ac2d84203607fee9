using Mth.Imaging;

namespace Mth.Encoding.Images;

/// <summary>
/// Turns the bytes of one image file into a <see cref="FloatImage"/> with values in [0, 1]
/// (grey: 1 channel, colour: 3). The seam through which DICOM enters: Mth.Dicom's renderer
/// registers as one more decoder of an <see cref="ImageDecoderChain"/>.
/// </summary>
public interface IImageDecoder
{
    /// <summary>Short name for messages ("png/jpeg", "dicom").</summary>
    string Name { get; }

    /// <summary>Whether the file's first bytes (at least 132 when the file has them) are this decoder's format.</summary>
    bool CanDecode(ReadOnlySpan<byte> header);

    /// <summary>Decodes a whole file; throws <see cref="ImageDecodingException"/> for damaged content.</summary>
    FloatImage Decode(ReadOnlySpan<byte> file);
}
