namespace Mth.Dicom;

/// <summary>A transfer syntax (PS3.5 section 10) and how its data sets are encoded.</summary>
public sealed class TransferSyntax : IEquatable<TransferSyntax>
{
    private TransferSyntax(string uid, string name, bool isExplicitVR, bool isBigEndian,
        bool isEncapsulated, bool isDeflated, bool isRetired = false)
    {
        Uid = uid;
        Name = name;
        IsExplicitVR = isExplicitVR;
        IsBigEndian = isBigEndian;
        IsEncapsulated = isEncapsulated;
        IsDeflated = isDeflated;
        IsRetired = isRetired;
    }

    public string Uid { get; }
    public string Name { get; }
    public bool IsExplicitVR { get; }
    public bool IsBigEndian { get; }

    /// <summary>Pixel data is carried as fragments of a compressed stream (PS3.5 A.4).</summary>
    public bool IsEncapsulated { get; }

    /// <summary>The whole data set after the file meta is deflate-compressed (PS3.5 A.5).</summary>
    public bool IsDeflated { get; }

    public bool IsRetired { get; }

    public static readonly TransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);
    public static readonly TransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);
    public static readonly TransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, false, true);
    public static readonly TransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, false, isRetired: true);
    public static readonly TransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", true, false, true, false);
    public static readonly TransferSyntax JpegBaseline = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, true, false);
    public static readonly TransferSyntax JpegExtended = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, true, false);
    public static readonly TransferSyntax JpegLossless = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, true, false);
    public static readonly TransferSyntax JpegLosslessSV1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", true, false, true, false);
    public static readonly TransferSyntax JpegLSLossless = new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", true, false, true, false);
    public static readonly TransferSyntax JpegLSNearLossless = new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", true, false, true, false);
    public static readonly TransferSyntax Jpeg2000Lossless = new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", true, false, true, false);
    public static readonly TransferSyntax Jpeg2000 = new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true, false, true, false);
    public static readonly TransferSyntax HtJpeg2000Lossless = new("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", true, false, true, false);
    public static readonly TransferSyntax HtJpeg2000RpclLossless = new("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", true, false, true, false);
    public static readonly TransferSyntax HtJpeg2000 = new("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", true, false, true, false);

    /// <summary>Every transfer syntax this library knows by name.</summary>
    public static IReadOnlyList<TransferSyntax> Known { get; } =
    [
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
        RleLossless, JpegBaseline, JpegExtended, JpegLossless, JpegLosslessSV1, JpegLSLossless, JpegLSNearLossless,
        Jpeg2000Lossless, Jpeg2000, HtJpeg2000Lossless, HtJpeg2000RpclLossless, HtJpeg2000,
    ];

    /// <summary>
    /// Finds a known transfer syntax. An unknown UID yields a syntax assumed to be explicit VR
    /// little endian and encapsulated, the rule PS3.5 gives every compressed syntax, so that a
    /// file in it can still be parsed and stored even though its pixels cannot be decoded.
    /// </summary>
    public static TransferSyntax Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var trimmed = DicomUid.TrimPadding(uid);
        foreach (var ts in Known)
        {
            if (ts.Uid == trimmed)
            {
                return ts;
            }
        }

        return new TransferSyntax(trimmed, "Unknown transfer syntax " + trimmed, true, false, true, false);
    }

    public bool IsKnown => Known.Contains(this);

    public bool Equals(TransferSyntax? other) => other is not null && other.Uid == Uid;

    public override bool Equals(object? obj) => Equals(obj as TransferSyntax);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Uid);

    public override string ToString() => Name;
}
