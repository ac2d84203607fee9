using System.Buffers.Binary;
using Mth.Dicom.Dictionary;

namespace Mth.Dicom.IO;

/// <summary>What the reader stopped at (PS3.5 section 7).</summary>
public enum DicomReaderToken
{
    None,

    /// <summary>A data element with a value of defined length (the value follows).</summary>
    Element,

    /// <summary>A sequence (SQ, or UN / implicit of undefined length) opens; items follow.</summary>
    SequenceStart,
    SequenceEnd,
    ItemStart,
    ItemEnd,

    /// <summary>Encapsulated pixel data opens (PS3.5 A.4); fragments follow, the first is the basic offset table.</summary>
    FragmentsStart,

    /// <summary>One fragment of encapsulated pixel data (the value follows).</summary>
    Fragment,
    FragmentsEnd,
}

internal enum DicomParseStatus
{
    Token,
    NeedMoreData,
    End,
}

/// <summary>
/// The data set grammar of PS3.5 section 7 as a resumable state machine over byte spans.
/// It never copies or allocates for values: after an <see cref="DicomReaderToken.Element"/>
/// or <see cref="DicomReaderToken.Fragment"/> token the value is pending; the driver reads
/// it, seeks over it (<see cref="AdvanceValue"/>) or lets the next call skip it. Because it
/// only ever needs one header (at most 12 bytes) at a time, the pull reader over a stream
/// and the push validator fed with network fragments share it.
/// </summary>
internal sealed class DicomParser
{
    private const uint UndefinedLength = 0xFFFF_FFFF;
    private const ushort ItemGroup = 0xFFFE;

    private readonly DicomReaderOptions _options;
    private readonly bool _explicitVR;
    private readonly bool _bigEndian;
    private readonly long _end;
    private Frame[] _frames = new Frame[8];
    private int _frameCount;
    private int _sequenceDepth;
    private long _elementCount;
    private long _position;
    private long _valueRemaining;

    /// <param name="transferSyntax">The encoding of the data set (deflate already undone by the driver).</param>
    /// <param name="startPosition">Absolute offset of the first byte (used in tokens and error messages).</param>
    /// <param name="length">Bytes in the data set when known (seekable input), else -1.</param>
    public DicomParser(TransferSyntax transferSyntax, DicomReaderOptions options, long startPosition, long length)
    {
        _options = options;
        _explicitVR = transferSyntax.IsExplicitVR;
        _bigEndian = transferSyntax.IsBigEndian;
        _position = startPosition;
        _end = length >= 0 ? startPosition + length : long.MaxValue;
    }

    public DicomReaderToken Token { get; private set; }
    public DicomTag Tag { get; private set; }
    public DicomVR VR { get; private set; } = DicomVR.UN;

    /// <summary>Value length of the current token; <see cref="uint.MaxValue"/> for undefined length.</summary>
    public uint Length { get; private set; }

    /// <summary>Absolute offset of the current token's value (just after its header).</summary>
    public long ValueOffset { get; private set; }

    /// <summary>Sequence nesting of the current token: 0 for top-level elements.</summary>
    public int Depth => _sequenceDepth;

    /// <summary>Whether the current element's VR came from the stream (else from the dictionary).</summary>
    public bool IsExplicitVR => CurrentExplicitVR;

    /// <summary>True when values of the current token are big endian (only explicit VR big endian outside UN sequences).</summary>
    public bool IsBigEndian => CurrentBigEndian;

    /// <summary>Absolute offset of the next byte the parser expects.</summary>
    public long Position => _position;

    /// <summary>Bytes of the current value not consumed yet.</summary>
    public long ValueRemaining => _valueRemaining;

    /// <summary>Bytes from the current position to the end of the data set; -1 when unknown.</summary>
    public long KnownRemaining => _end == long.MaxValue ? -1 : _end - _position;

    public long ElementCount => _elementCount;

    private bool CurrentExplicitVR => _frameCount == 0 ? _explicitVR : _frames[_frameCount - 1].ExplicitVR;

    private bool CurrentBigEndian => _frameCount == 0 ? _bigEndian : _frames[_frameCount - 1].BigEndian;

    private long CurrentLimit => _frameCount == 0 ? _end : _frames[_frameCount - 1].Limit;

    /// <summary>Marks value bytes as consumed by the driver (read directly or sought over).</summary>
    public void AdvanceValue(long count)
    {
        if (count < 0 || count > _valueRemaining)
        {
            throw new InvalidOperationException("Cannot advance past the current value.");
        }

        _valueRemaining -= count;
        _position += count;
    }

    /// <summary>
    /// Parses the next token from <paramref name="data"/> (which starts at <see cref="Position"/>).
    /// Pending value bytes are skipped first. With <paramref name="isFinal"/> the data is all
    /// there is: running out of it inside a value or a sequence is a format error.
    /// </summary>
    public DicomParseStatus Next(ReadOnlySpan<byte> data, bool isFinal, out int consumed)
    {
        consumed = 0;
        if (_valueRemaining > 0)
        {
            var skip = (int)Math.Min(_valueRemaining, data.Length);
            consumed = skip;
            _position += skip;
            _valueRemaining -= skip;
            if (_valueRemaining > 0)
            {
                if (isFinal)
                {
                    throw Truncated($"the value of {Tag} ends {_valueRemaining} bytes past the end of the data");
                }

                return DicomParseStatus.NeedMoreData;
            }
        }

        Token = DicomReaderToken.None;
        if (_frameCount > 0 && _frames[_frameCount - 1].End == _position)
        {
            CloseFrame();
            return DicomParseStatus.Token;
        }

        var span = data[consumed..];
        if (_frameCount == 0 && (_position == _end || (span.IsEmpty && isFinal)))
        {
            return DicomParseStatus.End;
        }

        var kind = _frameCount == 0 ? FrameKind.Item : _frames[_frameCount - 1].Kind;
        var headerLength = kind switch
        {
            FrameKind.Item => ParseElementHeader(span),
            FrameKind.Sequence => ParseItemHeader(span),
            _ => ParseFragmentHeader(span),
        };

        if (headerLength == 0)
        {
            if (isFinal)
            {
                throw Truncated(_frameCount == 0
                    ? "the data ends inside an element header"
                    : $"the data ends inside {DescribeFrame(_frames[_frameCount - 1])}");
            }

            return DicomParseStatus.NeedMoreData;
        }

        consumed += headerLength;
        return DicomParseStatus.Token;
    }

    /// <summary>Call when the input has ended at a token boundary: throws unless the data set is complete.</summary>
    public void EnsureComplete()
    {
        if (_valueRemaining > 0)
        {
            throw Truncated($"the value of {Tag} ends {_valueRemaining} bytes past the end of the data");
        }

        // Defined-length containers that end exactly here close without more input.
        while (_frameCount > 0 && _frames[_frameCount - 1].End == _position)
        {
            _frameCount--;
        }

        if (_frameCount > 0)
        {
            throw Truncated($"the data ends inside {DescribeFrame(_frames[_frameCount - 1])}");
        }
    }

    private int ParseElementHeader(ReadOnlySpan<byte> span)
    {
        if (span.Length < 8)
        {
            return 0;
        }

        var bigEndian = CurrentBigEndian;
        var explicitVR = CurrentExplicitVR;
        var tag = ReadTag(span, bigEndian);
        if (tag.Group == ItemGroup)
        {
            return ParseDelimiterInDataSet(tag, ReadUInt32(span[4..], bigEndian));
        }

        DicomVR vr;
        uint length;
        int headerLength;
        if (explicitVR)
        {
            if (DicomVR.TryParse(span[4], span[5], out vr))
            {
                if (vr.HasLongLength)
                {
                    if (span.Length < 12)
                    {
                        return 0;
                    }

                    length = ReadUInt32(span[8..], bigEndian);
                    headerLength = 12;
                }
                else
                {
                    length = ReadUInt16(span[6..], bigEndian);
                    headerLength = 8;
                }
            }
            else if (DicomVR.HasVRShape(span[4], span[5]))
            {
                // A VR this library does not know: PS3.5 7.1.2 gives it the 32-bit length form; keep it as UN.
                if (span.Length < 12)
                {
                    return 0;
                }

                vr = DicomVR.UN;
                length = ReadUInt32(span[8..], bigEndian);
                headerLength = 12;
            }
            else
            {
                throw Format($"element {tag} has no valid VR (bytes 0x{span[4]:X2} 0x{span[5]:X2}) in an explicit VR data set");
            }
        }
        else
        {
            vr = DicomDictionary.GetImplicitVR(tag);
            length = ReadUInt32(span[4..], bigEndian);
            headerLength = 8;
        }

        CountElement();
        Tag = tag;
        VR = vr;
        Length = length;
        ValueOffset = _position + headerLength;
        _position += headerLength;

        if (length == UndefinedLength)
        {
            if (tag == DicomTag.PixelData && (vr == DicomVR.OB || vr == DicomVR.OW || vr == DicomVR.UN))
            {
                Token = DicomReaderToken.FragmentsStart;
                VR = vr == DicomVR.UN ? DicomVR.OB : vr;
                PushFrame(FrameKind.Fragments, tag, -1, explicitVR, bigEndian);
            }
            else if (vr == DicomVR.SQ || vr == DicomVR.UN || !explicitVR)
            {
                // UN of undefined length holds an implicit VR little endian sequence (PS3.5 6.2.2).
                Token = DicomReaderToken.SequenceStart;
                var implicitContent = vr == DicomVR.UN;
                VR = explicitVR ? vr : DicomVR.SQ;
                PushFrame(FrameKind.Sequence, tag, -1, explicitVR && !implicitContent, bigEndian && !implicitContent);
            }
            else
            {
                throw Format($"element {tag} with VR {vr} has undefined length, which only SQ, UN and encapsulated pixel data may have", ValueOffset - headerLength);
            }

            return headerLength;
        }

        CheckLength(tag, length, headerLength);
        if (vr == DicomVR.SQ)
        {
            Token = DicomReaderToken.SequenceStart;
            PushFrame(FrameKind.Sequence, tag, _position + length, explicitVR, bigEndian);
        }
        else
        {
            Token = DicomReaderToken.Element;
            _valueRemaining = length;
        }

        return headerLength;
    }

    private int ParseDelimiterInDataSet(DicomTag tag, uint length)
    {
        if (tag == DicomTag.ItemDelimitationItem && _frameCount > 0
            && _frames[_frameCount - 1].Kind == FrameKind.Item && _frames[_frameCount - 1].End < 0)
        {
            CheckDelimiterLength(tag, length);
            _position += 8;
            CloseFrame();
            return 8;
        }

        throw Format(_frameCount == 0
            ? $"unexpected {DescribeDelimiter(tag)} in the top-level data set"
            : $"unexpected {DescribeDelimiter(tag)} inside {DescribeFrame(_frames[_frameCount - 1])}");
    }

    private int ParseItemHeader(ReadOnlySpan<byte> span)
    {
        if (span.Length < 8)
        {
            return 0;
        }

        ref readonly var sequence = ref _frames[_frameCount - 1];
        var tag = ReadTag(span, sequence.BigEndian);
        var length = ReadUInt32(span[4..], sequence.BigEndian);
        if (tag == DicomTag.Item)
        {
            Tag = tag;
            VR = DicomVR.UN;
            Length = length;
            _position += 8;
            ValueOffset = _position;
            Token = DicomReaderToken.ItemStart;
            if (length == UndefinedLength)
            {
                PushFrame(FrameKind.Item, tag, -1, sequence.ExplicitVR, sequence.BigEndian);
            }
            else
            {
                CheckLength(tag, length, 8);
                PushFrame(FrameKind.Item, tag, _position + length, sequence.ExplicitVR, sequence.BigEndian);
            }

            return 8;
        }

        if (tag == DicomTag.SequenceDelimitationItem && sequence.End < 0)
        {
            CheckDelimiterLength(tag, length);
            _position += 8;
            CloseFrame();
            return 8;
        }

        throw Format($"expected an item in {DescribeFrame(sequence)}, found {DescribeDelimiter(tag)}");
    }

    private int ParseFragmentHeader(ReadOnlySpan<byte> span)
    {
        if (span.Length < 8)
        {
            return 0;
        }

        ref readonly var fragments = ref _frames[_frameCount - 1];
        var tag = ReadTag(span, fragments.BigEndian);
        var length = ReadUInt32(span[4..], fragments.BigEndian);
        if (tag == DicomTag.Item)
        {
            if (length == UndefinedLength)
            {
                throw Format("a pixel data fragment has undefined length");
            }

            CountElement();
            _position += 8;
            CheckLength(tag, length, 8);
            Tag = tag;
            VR = DicomVR.OB;
            Length = length;
            ValueOffset = _position;
            Token = DicomReaderToken.Fragment;
            _valueRemaining = length;
            return 8;
        }

        if (tag == DicomTag.SequenceDelimitationItem)
        {
            CheckDelimiterLength(tag, length);
            _position += 8;
            CloseFrame();
            return 8;
        }

        throw Format($"expected a fragment item in encapsulated pixel data, found {DescribeDelimiter(tag)}");
    }

    private void CheckLength(DicomTag tag, uint length, int headerLength)
    {
        if ((length & 1) != 0 && !_options.AcceptOddLengths)
        {
            throw Format($"{Describe(tag)} has odd length {length} (PS3.5 7.1.1 requires even lengths)", _position - headerLength);
        }

        var limit = CurrentLimit;
        if (length > limit - _position)
        {
            var where = _frameCount == 0 ? "the end of the data"
                : _frames[_frameCount - 1].End >= 0 ? $"the end of its enclosing {DescribeFrame(_frames[_frameCount - 1])}"
                : _frames[_frameCount - 1].Limit != _end ? "the end of an enclosing item or sequence"
                : "the end of the data";
            throw Format($"{Describe(tag)} has length {length}, which runs {length - (limit - _position)} bytes past {where}", _position - headerLength);
        }
    }

    private void CheckDelimiterLength(DicomTag tag, uint length)
    {
        if (length != 0)
        {
            throw Format($"{DescribeDelimiter(tag)} has length {length}, not 0");
        }
    }

    private void CountElement()
    {
        if (++_elementCount > _options.MaxElementCount)
        {
            throw Format($"the data set has more than {_options.MaxElementCount} elements");
        }
    }

    private void PushFrame(FrameKind kind, DicomTag tag, long end, bool explicitVR, bool bigEndian)
    {
        if (kind != FrameKind.Item && ++_sequenceDepth > _options.MaxSequenceDepth)
        {
            throw Format($"sequences are nested deeper than {_options.MaxSequenceDepth} levels");
        }

        if (_frameCount == _frames.Length)
        {
            Array.Resize(ref _frames, _frames.Length * 2);
        }

        var limit = end >= 0 ? end : CurrentLimit;
        _frames[_frameCount++] = new Frame(kind, tag, end, limit, explicitVR, bigEndian);
    }

    private void CloseFrame()
    {
        var frame = _frames[--_frameCount];
        if (frame.Kind != FrameKind.Item)
        {
            _sequenceDepth--;
        }

        Tag = frame.Tag;
        VR = DicomVR.UN;
        Length = 0;
        ValueOffset = _position;
        Token = frame.Kind switch
        {
            FrameKind.Item => DicomReaderToken.ItemEnd,
            FrameKind.Sequence => DicomReaderToken.SequenceEnd,
            _ => DicomReaderToken.FragmentsEnd,
        };
    }

    private static DicomTag ReadTag(ReadOnlySpan<byte> span, bool bigEndian) => bigEndian
        ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(span), BinaryPrimitives.ReadUInt16BigEndian(span[2..]))
        : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(span), BinaryPrimitives.ReadUInt16LittleEndian(span[2..]));

    private static uint ReadUInt32(ReadOnlySpan<byte> span, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);

    private static ushort ReadUInt16(ReadOnlySpan<byte> span, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);

    private static string Describe(DicomTag tag) => tag == DicomTag.Item ? "an item" : $"element {tag}";

    private static string DescribeDelimiter(DicomTag tag) =>
        tag == DicomTag.Item ? "an item tag"
        : tag == DicomTag.ItemDelimitationItem ? "an item delimiter"
        : tag == DicomTag.SequenceDelimitationItem ? "a sequence delimiter"
        : $"tag {tag}";

    private static string DescribeFrame(in Frame frame) => frame.Kind switch
    {
        FrameKind.Item => "an item",
        FrameKind.Sequence => $"sequence {frame.Tag}",
        _ => "encapsulated pixel data",
    };

    private DicomFormatException Format(string message, long offset = -1) =>
        new(char.ToUpperInvariant(message[0]) + message[1..], offset >= 0 ? offset : _position);

    private DicomFormatException Truncated(string detail) => new("Truncated data: " + detail, _position);

    private enum FrameKind : byte
    {
        Item,
        Sequence,
        Fragments,
    }

    /// <param name="End">Absolute end of a defined-length container, -1 for undefined length.</param>
    /// <param name="Limit">Where its content must end at the latest: its own end or the nearest enclosing one.</param>
    private readonly record struct Frame(FrameKind Kind, DicomTag Tag, long End, long Limit, bool ExplicitVR, bool BigEndian);
}
