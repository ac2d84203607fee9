using System.Buffers.Binary;

namespace Mth.Dicom.IO;

/// <summary>
/// Guesses the encoding of a data set that arrives without file meta information (a "bare"
/// data set), from its first element header, as dcmtk does: explicit VR when bytes 4-5 are a
/// VR, else implicit VR; big endian when the group number reads smaller that way (data sets
/// start with low groups such as 0008).
/// </summary>
public static class DicomTransferSyntaxDetector
{
    /// <summary>The guessed transfer syntax, or null when the bytes cannot start a data set.</summary>
    public static TransferSyntax? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length < 8)
        {
            return null;
        }

        var littleGroup = BinaryPrimitives.ReadUInt16LittleEndian(head);
        var bigGroup = BinaryPrimitives.ReadUInt16BigEndian(head);
        var explicitVR = DicomVR.TryParse(head[4], head[5], out _);
        if (explicitVR)
        {
            return bigGroup < littleGroup ? TransferSyntax.ExplicitVRBigEndian : TransferSyntax.ExplicitVRLittleEndian;
        }

        if (littleGroup > bigGroup || littleGroup == 0xFFFE)
        {
            // Implicit VR big endian does not exist; this is not a data set we can read.
            return null;
        }

        return TransferSyntax.ImplicitVRLittleEndian;
    }
}
