using System.Buffers.Binary;
using System.Text;

namespace Mth.Dicom.IO;

/// <summary>
/// The start of a DICOM Part 10 file (PS3.10 7.1): a 128-byte preamble, "DICM" and the group
/// 0002 elements, always explicit VR little endian, with the group length computed. A
/// receiver writes a file as <c>meta.WriteTo(file)</c> followed by the data set bytes
/// exactly as they came off the network, without parsing them.
/// </summary>
public sealed class DicomFileMetaInformation
{
    /// <summary>Bytes before "DICM".</summary>
    public const int PreambleLength = 128;

    private static ReadOnlySpan<byte> Prefix => "DICM"u8;

    /// <exception cref="FormatException">A UID is not valid (PS3.5 9.1).</exception>
    public DicomFileMetaInformation(string mediaStorageSopClassUid, string mediaStorageSopInstanceUid, string transferSyntaxUid)
    {
        MediaStorageSopClassUid = DicomUid.Validate(mediaStorageSopClassUid, "Media Storage SOP Class UID");
        MediaStorageSopInstanceUid = DicomUid.Validate(mediaStorageSopInstanceUid, "Media Storage SOP Instance UID");
        TransferSyntaxUid = DicomUid.Validate(transferSyntaxUid, "Transfer Syntax UID");
    }

    // As read from a file: values kept as found, for the caller to check.
    private DicomFileMetaInformation(string mediaStorageSopClassUid, string mediaStorageSopInstanceUid, string transferSyntaxUid, bool fromFile)
    {
        _ = fromFile;
        MediaStorageSopClassUid = mediaStorageSopClassUid;
        MediaStorageSopInstanceUid = mediaStorageSopInstanceUid;
        TransferSyntaxUid = transferSyntaxUid;
    }

    public DicomFileMetaInformation(string mediaStorageSopClassUid, string mediaStorageSopInstanceUid, TransferSyntax transferSyntax)
        : this(mediaStorageSopClassUid, mediaStorageSopInstanceUid, (transferSyntax ?? throw new ArgumentNullException(nameof(transferSyntax))).Uid)
    {
    }

    /// <summary>(0002,0002). Read from a file it is as found there (possibly empty): validate it before use.</summary>
    public string MediaStorageSopClassUid { get; }

    /// <summary>(0002,0003). Read from a file it is as found there (possibly empty): validate it before use.</summary>
    public string MediaStorageSopInstanceUid { get; }

    /// <summary>(0002,0010): the encoding of the data set that follows.</summary>
    public string TransferSyntaxUid { get; }

    public TransferSyntax TransferSyntax => TransferSyntax.Lookup(TransferSyntaxUid);

    /// <summary>(0002,0012): the implementation that wrote the file.</summary>
    public string ImplementationClassUid
    {
        get;
        init => field = DicomUid.Validate(value, "Implementation Class UID");
    } = DicomImplementation.ClassUid;

    /// <summary>(0002,0013), at most 16 characters; omitted when null.</summary>
    public string? ImplementationVersionName
    {
        get;
        init => field = CheckText(value, "Implementation Version Name");
    } = DicomImplementation.VersionName;

    /// <summary>(0002,0016): the AE title of the application that wrote (or received) the file; omitted when null.</summary>
    public string? SourceApplicationEntityTitle
    {
        get;
        init => field = CheckText(value, "Source Application Entity Title");
    }

    /// <summary>(0002,0017): the AE title that sent the data set over the network; omitted when null.</summary>
    public string? SendingApplicationEntityTitle
    {
        get;
        init => field = CheckText(value, "Sending Application Entity Title");
    }

    /// <summary>(0002,0018): the AE title that received it; omitted when null.</summary>
    public string? ReceivingApplicationEntityTitle
    {
        get;
        init => field = CheckText(value, "Receiving Application Entity Title");
    }

    /// <summary>Bytes of preamble, "DICM" and group 0002 together: where the data set starts in the file.</summary>
    public int EncodedLength => PreambleLength + 4 + 12 + GroupLength();

    /// <summary>Preamble (zeros), "DICM" and the group 0002 elements.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[EncodedLength];
        Encode(bytes);
        return bytes;
    }

    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToArray());
    }

    public ValueTask WriteToAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream.WriteAsync(ToArray(), cancellationToken);
    }

    /// <summary>
    /// Reads a preamble, "DICM" and the group 0002 elements from a seekable stream and leaves it
    /// at the first data set element. Returns null, with the stream back where it was, when the
    /// stream has no "DICM" prefix (a bare data set). Tolerates a missing preamble before group
    /// 0002 and implicit VR file meta, as dcmtk does.
    /// </summary>
    /// <exception cref="DicomFormatException">The file meta is malformed or lacks a required element.</exception>
    public static DicomFileMetaInformation? Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("Reading file meta information needs a seekable stream.", nameof(stream));
        }

        var start = stream.Position;
        Span<byte> head = stackalloc byte[PreambleLength + 4];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read == head.Length && head[PreambleLength..].SequenceEqual(Prefix))
        {
            return ReadGroup(stream, stream.Position);
        }

        // Some writers omit the preamble and start with group 0002.
        if (read >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(head) == 0x0002)
        {
            stream.Position = start;
            return ReadGroup(stream, start);
        }

        stream.Position = start;
        return null;
    }

    private static DicomFileMetaInformation ReadGroup(Stream stream, long groupStart)
    {
        const int MaxGroupLength = 1 << 20;
        var values = new Dictionary<ushort, string>();
        Span<byte> header = stackalloc byte[12];
        var remainingInStream = stream.Length - groupStart;
        var offset = groupStart;
        while (true)
        {
            stream.Position = offset;
            var got = stream.ReadAtLeast(header[..8], 8, throwOnEndOfStream: false);
            if (got < 8 || BinaryPrimitives.ReadUInt16LittleEndian(header) != 0x0002)
            {
                break;
            }

            var element = BinaryPrimitives.ReadUInt16LittleEndian(header[2..]);
            uint length;
            int headerLength;
            if (DicomVR.TryParse(header[4], header[5], out var vr) || DicomVR.HasVRShape(header[4], header[5]))
            {
                if (vr.HasLongLength || !DicomVR.TryParse(header[4], header[5], out _))
                {
                    if (stream.ReadAtLeast(header[8..12], 4, throwOnEndOfStream: false) < 4)
                    {
                        throw new DicomFormatException("Truncated data: the file ends inside a file meta element header", offset);
                    }

                    length = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
                    headerLength = 12;
                }
                else
                {
                    length = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
                    headerLength = 8;
                }
            }
            else
            {
                // Implicit VR file meta: not conformant, but written by some old software.
                length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
                headerLength = 8;
            }

            var valueStart = offset + headerLength;
            if (length == uint.MaxValue || length > stream.Length - valueStart)
            {
                throw new DicomFormatException($"File meta element (0002,{element:X4}) has length {length}, past the end of the file", offset);
            }

            if (valueStart + length - groupStart > MaxGroupLength)
            {
                throw new DicomFormatException($"File meta information is longer than {MaxGroupLength} bytes", offset);
            }

            if (element is 0x0002 or 0x0003 or 0x0010 or 0x0012 or 0x0013 or 0x0016 or 0x0017 or 0x0018 && length <= 256)
            {
                var value = new byte[length];
                if (stream.ReadAtLeast(value, value.Length, throwOnEndOfStream: false) < value.Length)
                {
                    throw new DicomFormatException("Truncated data: the file ends inside a file meta element", offset);
                }

                values[element] = Encoding.ASCII.GetString(value).TrimEnd('\0', ' ').TrimStart(' ');
            }

            offset = valueStart + length;
        }

        if (remainingInStream < 0 || offset == groupStart)
        {
            throw new DicomFormatException("File meta information has no group 0002 elements", groupStart);
        }

        stream.Position = offset;
        var transferSyntaxUid = Required(values, 0x0010, "Transfer Syntax UID", groupStart);
        if (!DicomUid.IsValid(transferSyntaxUid))
        {
            throw new DicomFormatException("File meta information: the transfer syntax UID is not a valid UID", groupStart);
        }

        var implementation = values.GetValueOrDefault((ushort)0x0012);
        return new DicomFileMetaInformation(
            values.GetValueOrDefault((ushort)0x0002) ?? string.Empty,
            values.GetValueOrDefault((ushort)0x0003) ?? string.Empty,
            transferSyntaxUid,
            fromFile: true)
        {
            ImplementationClassUid = implementation is not null && DicomUid.IsValid(implementation) ? implementation : DicomImplementation.UnknownClassUid,
            ImplementationVersionName = Lenient(values.GetValueOrDefault((ushort)0x0013)),
            SourceApplicationEntityTitle = Lenient(values.GetValueOrDefault((ushort)0x0016)),
            SendingApplicationEntityTitle = Lenient(values.GetValueOrDefault((ushort)0x0017)),
            ReceivingApplicationEntityTitle = Lenient(values.GetValueOrDefault((ushort)0x0018)),
        };
    }

    private static string Required(Dictionary<ushort, string> values, ushort element, string name, long offset) =>
        values.TryGetValue(element, out var value) && value.Length > 0
            ? value
            : throw new DicomFormatException($"File meta information lacks (0002,{element:X4}) {name}", offset);

    private static string? Lenient(string? value) =>
        string.IsNullOrEmpty(value) || value.Length > 16 || !IsDefaultRepertoire(value) ? null : value;

    private static string? CheckText(string? value, string name)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length is 0 or > 16 || !IsDefaultRepertoire(value) || value.Trim().Length == 0)
        {
            throw new FormatException($"{name} must be 1 to 16 characters of the default repertoire (no backslash, no control characters).");
        }

        return value;
    }

    private static bool IsDefaultRepertoire(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' or '\\')
            {
                return false;
            }
        }

        return true;
    }

    private static int EvenLength(string value) => (value.Length + 1) & ~1;

    private int GroupLength()
    {
        var length = 12 + 2; // (0002,0001) OB: long header + 2 bytes
        length += 8 + EvenLength(MediaStorageSopClassUid);
        length += 8 + EvenLength(MediaStorageSopInstanceUid);
        length += 8 + EvenLength(TransferSyntaxUid);
        length += 8 + EvenLength(ImplementationClassUid);
        foreach (var text in (ReadOnlySpan<string?>)[ImplementationVersionName, SourceApplicationEntityTitle, SendingApplicationEntityTitle, ReceivingApplicationEntityTitle])
        {
            if (text is not null)
            {
                length += 8 + EvenLength(text);
            }
        }

        return length;
    }

    private void Encode(Span<byte> destination)
    {
        destination[..PreambleLength].Clear();
        Prefix.CopyTo(destination[PreambleLength..]);
        var span = destination[(PreambleLength + 4)..];
        span = WriteShort(span, 0x0000, "UL"u8, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)GroupLength());
        span = span[4..];

        span = WriteHeader(span, 0x0001, "OB"u8, 2, longForm: true);
        span[0] = 0;
        span[1] = 1;
        span = span[2..];

        span = WriteText(span, 0x0002, "UI"u8, MediaStorageSopClassUid, 0);
        span = WriteText(span, 0x0003, "UI"u8, MediaStorageSopInstanceUid, 0);
        span = WriteText(span, 0x0010, "UI"u8, TransferSyntaxUid, 0);
        span = WriteText(span, 0x0012, "UI"u8, ImplementationClassUid, 0);
        if (ImplementationVersionName is not null)
        {
            span = WriteText(span, 0x0013, "SH"u8, ImplementationVersionName, (byte)' ');
        }

        if (SourceApplicationEntityTitle is not null)
        {
            span = WriteText(span, 0x0016, "AE"u8, SourceApplicationEntityTitle, (byte)' ');
        }

        if (SendingApplicationEntityTitle is not null)
        {
            span = WriteText(span, 0x0017, "AE"u8, SendingApplicationEntityTitle, (byte)' ');
        }

        if (ReceivingApplicationEntityTitle is not null)
        {
            span = WriteText(span, 0x0018, "AE"u8, ReceivingApplicationEntityTitle, (byte)' ');
        }

        if (!span.IsEmpty)
        {
            throw new InvalidOperationException("File meta length computation and encoding disagree.");
        }
    }

    private static Span<byte> WriteText(Span<byte> span, ushort element, ReadOnlySpan<byte> vr, string value, byte padding)
    {
        var length = EvenLength(value);
        span = WriteShort(span, element, vr, length);
        Encoding.ASCII.GetBytes(value, span);
        if (length > value.Length)
        {
            span[value.Length] = padding;
        }

        return span[length..];
    }

    private static Span<byte> WriteShort(Span<byte> span, ushort element, ReadOnlySpan<byte> vr, int length) =>
        WriteHeader(span, element, vr, length, longForm: false);

    private static Span<byte> WriteHeader(Span<byte> span, ushort element, ReadOnlySpan<byte> vr, int length, bool longForm)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, 0x0002);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], element);
        vr.CopyTo(span[4..]);
        if (longForm)
        {
            span[6] = 0;
            span[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)length);
            return span[12..];
        }

        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)length);
        return span[8..];
    }
}
