namespace Mth.Dicom.Imaging;

/// <summary>Which transfer syntaxes' pixel data this library decodes.</summary>
public static class DicomPixelDecoding
{
    /// <summary>
    /// The transfer syntaxes whose pixel data can be rendered: the native (uncompressed) ones
    /// and RLE Lossless. A receiver that must render what it stores accepts only these in
    /// negotiation; JPEG, JPEG-LS, JPEG 2000 and HTJ2K pixel data raise
    /// <see cref="DicomUnsupportedTransferSyntaxException"/>.
    /// </summary>
    public static IReadOnlyList<TransferSyntax> DecodableTransferSyntaxes { get; } =
    [
        TransferSyntax.ExplicitVRLittleEndian,
        TransferSyntax.ImplicitVRLittleEndian,
        TransferSyntax.DeflatedExplicitVRLittleEndian,
        TransferSyntax.ExplicitVRBigEndian,
        TransferSyntax.RleLossless,
    ];

    public static bool CanDecode(TransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        foreach (var decodable in DecodableTransferSyntaxes)
        {
            if (decodable.Equals(transferSyntax))
            {
                return true;
            }
        }

        return false;
    }
}
