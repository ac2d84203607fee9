using System.Buffers.Binary;
using System.IO.Compression;
using Mth.Dicom.Data;

namespace Mth.Dicom.IO;

/// <summary>
/// Writes a data set in a transfer syntax (PS3.5 7): implicit VR little endian, explicit VR
/// little or big endian, deflated explicit VR little endian, and the encapsulated syntaxes
/// for data sets whose pixel data is already encapsulated in them. Sequences and items keep
/// their defined or undefined length (defined lengths are recomputed for the target
/// encoding), group length elements are recomputed, and values that stay in their source
/// file are copied in chunks, never loaded whole.
/// </summary>
public static class DicomDataSetWriter
{
    public static void Write(Stream stream, DicomDataSet dataSet, TransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        var target = transferSyntax.IsDeflated ? new DeflateStream(stream, CompressionLevel.Optimal, leaveOpen: true) : stream;
        try
        {
            foreach (var segment in new DicomEncoder(transferSyntax).Encode(dataSet))
            {
                if (segment.Value is null)
                {
                    target.Write(segment.Bytes.Span);
                }
                else
                {
                    segment.Value.CopyTo(target, segment.SwapSize);
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(target, stream))
            {
                target.Dispose();
            }
        }
    }

    public static async Task WriteAsync(Stream stream, DicomDataSet dataSet, TransferSyntax transferSyntax, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        var target = transferSyntax.IsDeflated ? new DeflateStream(stream, CompressionLevel.Optimal, leaveOpen: true) : stream;
        try
        {
            foreach (var segment in new DicomEncoder(transferSyntax).Encode(dataSet))
            {
                if (segment.Value is null)
                {
                    await target.WriteAsync(segment.Bytes, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await segment.Value.CopyToAsync(target, segment.SwapSize, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(target, stream))
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Bytes of the data set in the transfer syntax (before deflate).</summary>
    public static long GetEncodedLength(DicomDataSet dataSet, TransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        return new DicomEncoder(transferSyntax).ContentLength(dataSet, DicomEncoder.Context.Of(transferSyntax));
    }
}

/// <summary>One piece of output: bytes from the encoder's buffer (valid until the next piece) or a value to copy.</summary>
internal readonly record struct EncodedSegment(ReadOnlyMemory<byte> Bytes, DicomValue? Value, int SwapSize);

/// <summary>
/// Turns a data set into a sequence of segments: headers and small values gathered in one
/// buffer, large values passed through to be copied from their source.
/// </summary>
internal sealed class DicomEncoder(TransferSyntax transferSyntax)
{
    private const uint UndefinedLength = 0xFFFF_FFFF;
    private const int InlineValueLimit = 16 * 1024;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _used;

    internal readonly record struct Context(bool ExplicitVR, bool BigEndian)
    {
        public static Context Of(TransferSyntax transferSyntax) => new(transferSyntax.IsExplicitVR, transferSyntax.IsBigEndian);

        /// <summary>The items of a UN sequence of undefined length are implicit VR little endian (PS3.5 6.2.2).</summary>
        public static Context ImplicitLittle => new(false, false);
    }

    public IEnumerable<EncodedSegment> Encode(DicomDataSet dataSet)
    {
        var context = Context.Of(transferSyntax);
        CheckPixelDataEncoding(dataSet);
        foreach (var segment in EncodeDataSet(dataSet, context))
        {
            yield return segment;
        }

        if (_used > 0)
        {
            yield return Flush();
        }
    }

    public long ContentLength(DicomDataSet dataSet, Context context)
    {
        long length = 0;
        foreach (var element in dataSet)
        {
            length += ElementLength(element, context);
        }

        return length;
    }

    private void CheckPixelDataEncoding(DicomDataSet dataSet)
    {
        var pixelData = dataSet[DicomTag.PixelData];
        if (pixelData is DicomFragmentSequence && !transferSyntax.IsEncapsulated)
        {
            throw new DicomException($"Encapsulated pixel data cannot be written in {transferSyntax.Name}: decompressing on write is not supported.");
        }

        if (pixelData is DicomValueElement && transferSyntax.IsEncapsulated)
        {
            throw new DicomException($"Native pixel data cannot be written in {transferSyntax.Name}: compressing on write is not supported.");
        }
    }

    private IEnumerable<EncodedSegment> EncodeDataSet(DicomDataSet dataSet, Context context)
    {
        var elements = dataSet.Elements;
        for (var index = 0; index < elements.Count; index++)
        {
            var element = elements[index];
            IEnumerable<EncodedSegment> segments = element switch
            {
                DicomValueElement value when element.Tag.IsGroupLength && element.Tag.Group != 0x0002 =>
                    EncodeGroupLength(value, GroupLength(elements, index, context), context),
                DicomValueElement value => EncodeValue(value, context),
                DicomSequence sequence => EncodeSequence(sequence, context),
                DicomFragmentSequence fragments => EncodeFragments(fragments, context),
                _ => throw new InvalidOperationException($"Unknown element type {element.GetType().Name}."),
            };

            foreach (var segment in segments)
            {
                yield return segment;
            }
        }
    }

    private long GroupLength(IReadOnlyList<DicomElement> elements, int groupLengthIndex, Context context)
    {
        var group = elements[groupLengthIndex].Tag.Group;
        long length = 0;
        for (var i = groupLengthIndex + 1; i < elements.Count && elements[i].Tag.Group == group; i++)
        {
            length += ElementLength(elements[i], context);
        }

        return length;
    }

    private IEnumerable<EncodedSegment> EncodeGroupLength(DicomValueElement element, long groupLength, Context context)
    {
        if (element.Value.Length != 4 || groupLength > uint.MaxValue)
        {
            // Not a UL group length (or a group too long for one): write it as it is.
            return EncodeValue(element, context);
        }

        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)groupLength);
        return EncodeValue(new DicomValueElement(element.Tag, DicomVR.UL, DicomValue.FromBytes(bytes)), context);
    }

    private IEnumerable<EncodedSegment> EncodeValue(DicomValueElement element, Context context)
    {
        var length = element.Value.Length;
        if (length >= UndefinedLength)
        {
            throw new DicomException($"Value of {element.Tag} is {length} bytes, too long for a DICOM length field.");
        }

        if (Space(12) is { } flushed)
        {
            yield return flushed;
        }

        var vr = WriteHeader(element.Tag, element.VR, (uint)length, context);
        var swap = context.BigEndian && vr != DicomVR.UN ? element.VR.ByteSwapSize : 0;
        if (element.Value.IsInMemory && length <= InlineValueLimit)
        {
            if (Space((int)length) is { } full)
            {
                yield return full;
            }

            var span = _buffer.AsSpan(_used, (int)length);
            element.Value.Read(0, span);
            DicomByteOrder.Swap(span, swap);
            _used += (int)length;
        }
        else
        {
            if (_used > 0)
            {
                yield return Flush();
            }

            yield return new EncodedSegment(default, element.Value, swap);
        }
    }

    private IEnumerable<EncodedSegment> EncodeSequence(DicomSequence sequence, Context context)
    {
        var itemContext = sequence.VR == DicomVR.UN ? Context.ImplicitLittle : context;
        var length = sequence.UndefinedLength ? UndefinedLength : CheckedLength(SequenceContentLength(sequence, itemContext), sequence.Tag);
        if (Space(12) is { } flushed)
        {
            yield return flushed;
        }

        WriteHeader(sequence.Tag, sequence.VR, length, context);
        foreach (var item in sequence.Items)
        {
            if (Space(8) is { } full)
            {
                yield return full;
            }

            var itemLength = item.UndefinedLength ? UndefinedLength : CheckedLength(ContentLength(item, itemContext), sequence.Tag);
            WriteDelimiter(DicomTag.Item, itemLength, itemContext);
            foreach (var segment in EncodeDataSet(item, itemContext))
            {
                yield return segment;
            }

            if (item.UndefinedLength)
            {
                if (Space(8) is { } more)
                {
                    yield return more;
                }

                WriteDelimiter(DicomTag.ItemDelimitationItem, 0, itemContext);
            }
        }

        if (sequence.UndefinedLength)
        {
            if (Space(8) is { } last)
            {
                yield return last;
            }

            WriteDelimiter(DicomTag.SequenceDelimitationItem, 0, itemContext);
        }
    }

    private IEnumerable<EncodedSegment> EncodeFragments(DicomFragmentSequence fragments, Context context)
    {
        if (Space(12) is { } flushed)
        {
            yield return flushed;
        }

        WriteHeader(fragments.Tag, fragments.VR, UndefinedLength, context);
        foreach (var value in (IEnumerable<DicomValue>)[fragments.OffsetTable, .. fragments.Fragments])
        {
            if (Space(8) is { } full)
            {
                yield return full;
            }

            WriteDelimiter(DicomTag.Item, CheckedLength(value.Length, fragments.Tag), context);
            if (_used > 0)
            {
                yield return Flush();
            }

            yield return new EncodedSegment(default, value, 0);
        }

        if (Space(8) is { } last)
        {
            yield return last;
        }

        WriteDelimiter(DicomTag.SequenceDelimitationItem, 0, context);
    }

    private long ElementLength(DicomElement element, Context context) => element switch
    {
        DicomValueElement value => HeaderLength(value.VR, value.Value.Length, context) + value.Value.Length,
        DicomSequence sequence => HeaderLength(sequence.VR, 0, context)
            + SequenceContentLength(sequence, sequence.VR == DicomVR.UN ? Context.ImplicitLittle : context)
            + (sequence.UndefinedLength ? 8 : 0),
        DicomFragmentSequence fragments => HeaderLength(fragments.VR, 0, context) + 8 + fragments.OffsetTable.Length
            + fragments.Fragments.Sum(fragment => 8 + fragment.Length) + 8,
        _ => 0,
    };

    private long SequenceContentLength(DicomSequence sequence, Context itemContext)
    {
        long length = 0;
        foreach (var item in sequence.Items)
        {
            length += 8 + ContentLength(item, itemContext) + (item.UndefinedLength ? 8 : 0);
        }

        return length;
    }

    private static int HeaderLength(DicomVR vr, long valueLength, Context context) =>
        !context.ExplicitVR ? 8 : vr.HasLongLength || valueLength > ushort.MaxValue ? 12 : 8;

    private static uint CheckedLength(long length, DicomTag tag) =>
        length < UndefinedLength ? (uint)length : throw new DicomException($"{tag} is {length} bytes long, too long for a defined length.");

    /// <summary>Writes an element header; returns the VR written (UN when a short-length VR's value is too long for it).</summary>
    private DicomVR WriteHeader(DicomTag tag, DicomVR vr, uint length, Context context)
    {
        var span = _buffer.AsSpan(_used);
        WriteTag(span, tag, context.BigEndian);
        if (!context.ExplicitVR)
        {
            WriteUInt32(span[4..], length, context.BigEndian);
            _used += 8;
            return vr;
        }

        // PS3.5 6.2.2: a value too long for a 16-bit length is written as UN.
        var written = !vr.HasLongLength && length > ushort.MaxValue ? DicomVR.UN : vr;
        span[4] = (byte)written.Code[0];
        span[5] = (byte)written.Code[1];
        if (written.HasLongLength)
        {
            span[6] = 0;
            span[7] = 0;
            WriteUInt32(span[8..], length, context.BigEndian);
            _used += 12;
        }
        else
        {
            if (context.BigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)length);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)length);
            }

            _used += 8;
        }

        return written;
    }

    private void WriteDelimiter(DicomTag tag, uint length, Context context)
    {
        var span = _buffer.AsSpan(_used);
        WriteTag(span, tag, context.BigEndian);
        WriteUInt32(span[4..], length, context.BigEndian);
        _used += 8;
    }

    private static void WriteTag(Span<byte> span, DicomTag tag, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, tag.Group);
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], tag.Element);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(span[2..], tag.Element);
        }
    }

    private static void WriteUInt32(Span<byte> span, uint value, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        }
    }

    /// <summary>Returns a segment to emit first when the buffer lacks <paramref name="bytes"/> of room.</summary>
    private EncodedSegment? Space(int bytes) => _buffer.Length - _used < bytes ? Flush() : null;

    private EncodedSegment Flush()
    {
        var segment = new EncodedSegment(_buffer.AsMemory(0, _used), null, 0);
        _used = 0;
        return segment;
    }
}
