using System.Buffers.Binary;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>Reads the parts of a stored Part 10 file that tests compare.</summary>
internal static class Part10Bytes
{
    /// <summary>The data set part of a Part 10 file: what follows the preamble, "DICM" and the group 0002 elements.</summary>
    public static byte[] DataSetOf(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var metaGroupLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(128 + 4 + 8));
        return bytes[(int)(128 + 4 + 12 + metaGroupLength)..];
    }
}
