using Mth.Imaging;

namespace Mth.Encoding.Images;

/// <summary>
/// Picks the decoder for a file by its signature. The default chain knows DICOM Part 10 (Mth.Dicom's
/// renderer, <see cref="DicomImageDecoder"/>), PNG and JPEG, so that training, the encoder and the
/// query service read every format through one path; <see cref="With"/> adds others.
/// </summary>
public sealed class ImageDecoderChain
{
    /// <summary>Bytes of a file that decoders may look at to recognise it (DICOM's "DICM" ends at 132).</summary>
    public const int HeaderLength = 132;

    private readonly IImageDecoder[] decoders;

    public ImageDecoderChain(IEnumerable<IImageDecoder> decoders)
    {
        ArgumentNullException.ThrowIfNull(decoders);
        this.decoders = [.. decoders];
        if (this.decoders.Length == 0)
        {
            throw new ArgumentException("A decoder chain needs at least one decoder.", nameof(decoders));
        }
    }

    /// <summary>DICOM Part 10, PNG and JPEG.</summary>
    public static ImageDecoderChain Default { get; } = new([new DicomImageDecoder(), new PngJpegDecoder()]);

    public IReadOnlyList<IImageDecoder> Decoders => decoders;

    /// <summary>A new chain with <paramref name="decoder"/> tried before the existing ones.</summary>
    public ImageDecoderChain With(IImageDecoder decoder) => new([decoder, .. decoders]);

    public bool CanDecode(ReadOnlySpan<byte> header) => Find(header) is not null;

    public FloatImage Decode(ReadOnlySpan<byte> file)
    {
        var decoder = Find(file[..Math.Min(file.Length, HeaderLength)])
            ?? throw new ImageDecodingException(
                $"Unrecognised image format (known: {string.Join(", ", decoders.Select(d => d.Name))}).");
        return decoder.Decode(file);
    }

    public async Task<FloatImage> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return Decode(bytes);
        }
        catch (ImageDecodingException exception)
        {
            throw new ImageDecodingException($"{path}: {exception.Message}", exception);
        }
    }

    public FloatImage Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Decode(bytes);
        }
        catch (ImageDecodingException exception)
        {
            throw new ImageDecodingException($"{path}: {exception.Message}", exception);
        }
    }

    private IImageDecoder? Find(ReadOnlySpan<byte> header)
    {
        foreach (var decoder in decoders)
        {
            if (decoder.CanDecode(header))
            {
                return decoder;
            }
        }

        return null;
    }
}
