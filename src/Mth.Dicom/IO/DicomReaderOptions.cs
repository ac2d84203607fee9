namespace Mth.Dicom.IO;

/// <summary>
/// Limits and tolerances of the readers. The defaults refuse what the standard forbids and
/// bound what an untrusted peer can make the reader do.
/// </summary>
public sealed class DicomReaderOptions
{
    public static DicomReaderOptions Default { get; } = new();

    /// <summary>Deepest nesting of sequences (each sequence in an item of another counts one); deeper is a format error.</summary>
    public int MaxSequenceDepth { get; init; } = 32;

    /// <summary>Most data elements (all levels together) in one data set.</summary>
    public long MaxElementCount { get; init; } = 4_000_000;

    /// <summary>
    /// PS3.5 7.1.1 requires even value lengths. When false (default) an odd length is a
    /// format error; when true it is read as given (some old writers produce them).
    /// </summary>
    public bool AcceptOddLengths { get; init; }

    /// <summary>
    /// Values longer than this stay in the file and are read on demand (pixel data, large
    /// private blobs): a multi-frame instance is never held whole in memory.
    /// </summary>
    public int LargeValueThreshold { get; init; } = 64 * 1024;

    /// <summary>Largest value one call may load into memory (a frame, a LUT, a private blob).</summary>
    public long MaxInMemoryValueLength { get; init; } = 1L << 30;

    /// <summary>Largest data set a deflated file may inflate to (guards against deflate bombs).</summary>
    public long MaxInflatedLength { get; init; } = 4L << 30;

    /// <summary>Directory for the temporary copies made of deflated or non-seekable input; the system temp directory when null.</summary>
    public string? TemporaryDirectory { get; init; }
}
