namespace Mth.Dicom;

/// <summary>Base of every error this library raises about DICOM content (never about programming errors).</summary>
public class DicomException : Exception
{
    public DicomException(string message)
        : base(message)
    {
    }

    public DicomException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The bytes are not a well-formed DICOM encoding (PS3.5 / PS3.10): truncated, a length past
/// the end, a broken sequence, a limit exceeded. Carries the byte offset where it was found;
/// never the values themselves (they may be patient data).
/// </summary>
public sealed class DicomFormatException : DicomException
{
    public DicomFormatException(string message, long offset = -1)
        : base(offset >= 0 ? $"{message} (at byte {offset})" : message)
    {
        Offset = offset;
    }

    public DicomFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Offset = -1;
    }

    /// <summary>Byte offset in the data set or file where the problem was found; -1 when unknown.</summary>
    public long Offset { get; }
}

/// <summary>
/// The data set is well formed but its pixel data is in a transfer syntax whose compression
/// this library does not decode (JPEG, JPEG-LS, JPEG 2000, HTJ2K …). A service maps it to a
/// "cannot process" status; <see cref="Imaging.DicomPixelDecoding.DecodableTransferSyntaxes"/>
/// lists what is decoded, so a receiver can refuse the others in negotiation.
/// </summary>
public sealed class DicomUnsupportedTransferSyntaxException : DicomException
{
    public DicomUnsupportedTransferSyntaxException(TransferSyntax transferSyntax)
        : base($"Unsupported transfer syntax: pixel data in {transferSyntax.Name} ({transferSyntax.Uid}) cannot be decoded by this library.")
    {
        TransferSyntax = transferSyntax;
    }

    public TransferSyntax TransferSyntax { get; }
}

/// <summary>The data set cannot be rendered: no pixel data, or image attributes missing, inconsistent or unsupported.</summary>
public sealed class DicomImageException : DicomException
{
    public DicomImageException(string message)
        : base(message)
    {
    }
}
