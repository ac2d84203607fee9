using System.Text;

namespace Mth.Dicom.IO;

/// <summary>What validation learned about a well-formed data set.</summary>
/// <param name="Length">Bytes of the data set (inflated bytes for deflate).</param>
/// <param name="ElementCount">Data elements and fragments at every level.</param>
/// <param name="SopClassUid">Top-level (0008,0016) when present (padding removed; not validated).</param>
/// <param name="SopInstanceUid">Top-level (0008,0018) when present (padding removed; not validated).</param>
/// <param name="HasPixelData">Whether the top level holds (7FE0,0010).</param>
/// <remarks>
/// The identifying attributes a receiver files an instance under are captured too (top level,
/// padding removed, not validated; null when absent or longer than 64 bytes): the caller
/// validates them before they name anything.
/// </remarks>
public sealed record DicomDataSetSummary(long Length, long ElementCount, string? SopClassUid, string? SopInstanceUid, bool HasPixelData)
{
    /// <summary>(0020,000D).</summary>
    public string? StudyInstanceUid { get; init; }

    /// <summary>(0020,000E).</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>(0008,0060), a code string.</summary>
    public string? Modality { get; init; }

    /// <summary>(0018,0015), a code string.</summary>
    public string? BodyPartExamined { get; init; }
}

/// <summary>
/// Checks that bytes form a well-formed data set in a transfer syntax (PS3.5 section 7:
/// element headers, lengths within their items and the data, sequence and item nesting and
/// delimiters, encapsulated pixel data, depth and count limits) without keeping values:
/// memory stays constant whatever the size of the data set.
/// </summary>
/// <remarks>
/// Push use, for a receiver that stores bytes as they arrive: call <see cref="Append"/>
/// with each fragment, then <see cref="Complete"/>; the first problem throws a
/// <see cref="DicomFormatException"/>. Pull use: <see cref="ValidateAsync"/> over a stream
/// (it seeks over values when the stream can). Push validation does not inflate: for the
/// deflated transfer syntax validate the stored bytes with <see cref="ValidateAsync"/>.
/// </remarks>
public sealed class DicomDataSetValidator
{
    private const int MaxCapturedValueLength = 64;

    private readonly DicomParser _parser;
    private readonly byte[] _carry = new byte[32];
    private readonly byte[] _capture = new byte[MaxCapturedValueLength];
    private int _carryLength;
    private DicomTag _captureTag;
    private int _captureLength;
    private int _captureFilled;
    private bool _capturing;
    private bool _ended;
    private bool _completed;
    private readonly SummaryBuilder _captured = new();

    public DicomDataSetValidator(TransferSyntax transferSyntax, DicomReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        if (transferSyntax.IsDeflated)
        {
            throw new NotSupportedException("Push validation does not inflate deflated data sets; validate the stored bytes with DicomDataSetValidator.ValidateAsync.");
        }

        _parser = new DicomParser(transferSyntax, options ?? DicomReaderOptions.Default, 0, -1);
    }

    /// <summary>Bytes accepted so far.</summary>
    public long Position => _parser.Position + _carryLength;

    /// <summary>Checks the next bytes of the data set.</summary>
    /// <exception cref="DicomFormatException">The bytes so far cannot start a well-formed data set.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The validator has completed.");
        }

        // A header split between two fragments is joined in the carry buffer.
        while (_carryLength > 0 && !data.IsEmpty)
        {
            var take = Math.Min(_carry.Length - _carryLength, data.Length);
            data[..take].CopyTo(_carry.AsSpan(_carryLength));
            _carryLength += take;
            data = data[take..];
            var consumed = Process(_carry.AsSpan(0, _carryLength), isFinal: false);
            _carry.AsSpan(consumed, _carryLength - consumed).CopyTo(_carry);
            _carryLength -= consumed;
        }

        if (!data.IsEmpty)
        {
            var consumed = Process(data, isFinal: false);
            data[consumed..].CopyTo(_carry);
            _carryLength = data.Length - consumed;
        }
    }

    /// <summary>Declares the end of the data set and returns what was learned.</summary>
    /// <exception cref="DicomFormatException">The data set is truncated or malformed.</exception>
    public DicomDataSetSummary Complete()
    {
        if (!_completed)
        {
            Process(_carry.AsSpan(0, _carryLength), isFinal: true);
            _carryLength = 0;
            _completed = true;
        }

        return Summary();
    }

    /// <summary>Validates the data set read from <paramref name="stream"/> (from its position to its end).</summary>
    public static DicomDataSetSummary Validate(Stream stream, TransferSyntax transferSyntax, DicomReaderOptions? options = null)
    {
        using var reader = new DicomDataSetReader(stream, transferSyntax, options);
        var start = reader.Position;
        var summary = new SummaryBuilder();
        Span<byte> value = stackalloc byte[MaxCapturedValueLength];
        while (reader.Read())
        {
            if (summary.WantsValue(reader.Token, reader.Tag, reader.Depth, reader.Length))
            {
                var slice = value[..(int)reader.Length];
                reader.ReadValue(slice);
                summary.Capture(reader.Tag, slice);
            }
        }

        return summary.Build(reader.Position - start, reader.ElementCount);
    }

    /// <inheritdoc cref="Validate"/>
    public static async Task<DicomDataSetSummary> ValidateAsync(Stream stream, TransferSyntax transferSyntax,
        DicomReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var reader = new DicomDataSetReader(stream, transferSyntax, options);
        var start = reader.Position;
        var summary = new SummaryBuilder();
        var value = new byte[MaxCapturedValueLength];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (summary.WantsValue(reader.Token, reader.Tag, reader.Depth, reader.Length))
            {
                var slice = value.AsMemory(0, (int)reader.Length);
                await reader.ReadValueAsync(slice, cancellationToken).ConfigureAwait(false);
                summary.Capture(reader.Tag, slice.Span);
            }
        }

        return summary.Build(reader.Position - start, reader.ElementCount);
    }

    private int Process(ReadOnlySpan<byte> data, bool isFinal)
    {
        var offset = 0;
        while (true)
        {
            if (_capturing)
            {
                var take = (int)Math.Min(_captureLength - _captureFilled, data.Length - offset);
                data.Slice(offset, take).CopyTo(_capture.AsSpan(_captureFilled));
                _captureFilled += take;
                offset += take;
                _parser.AdvanceValue(take);
                if (_captureFilled < _captureLength && !isFinal)
                {
                    return offset;
                }

                _capturing = false;
                if (_captureFilled == _captureLength)
                {
                    _captured.Capture(_captureTag, _capture.AsSpan(0, _captureLength));
                }
            }

            if (_ended)
            {
                if (offset < data.Length)
                {
                    throw new DicomFormatException("Bytes follow the end of the data set", _parser.Position);
                }

                return offset;
            }

            var status = _parser.Next(data[offset..], isFinal, out var consumed);
            offset += consumed;
            switch (status)
            {
                case DicomParseStatus.Token:
                    if (_captured.WantsValue(_parser.Token, _parser.Tag, _parser.Depth, _parser.Length))
                    {
                        _capturing = true;
                        _captureTag = _parser.Tag;
                        _captureLength = (int)_parser.Length;
                        _captureFilled = 0;
                    }

                    break;
                case DicomParseStatus.End:
                    _parser.EnsureComplete();
                    _ended = true;
                    return offset;
                default:
                    return offset;
            }
        }
    }

    private DicomDataSetSummary Summary() => _captured.Build(_parser.Position, _parser.ElementCount);

    /// <summary>Collects the few top-level values a summary reports.</summary>
    private sealed class SummaryBuilder
    {
        private string? _sopClassUid;
        private string? _sopInstanceUid;
        private string? _studyInstanceUid;
        private string? _seriesInstanceUid;
        private string? _modality;
        private string? _bodyPartExamined;
        private bool _hasPixelData;

        private static bool IsCaptured(DicomTag tag) =>
            tag == DicomTag.SOPClassUID || tag == DicomTag.SOPInstanceUID || tag == DicomTag.StudyInstanceUID
            || tag == DicomTag.SeriesInstanceUID || tag == DicomTag.Modality || tag == DicomTag.BodyPartExamined;

        public void Capture(DicomTag tag, ReadOnlySpan<byte> value)
        {
            var text = Encoding.ASCII.GetString(value);
            if (tag == DicomTag.Modality)
            {
                _modality = text.Trim(' ', '\0');
            }
            else if (tag == DicomTag.BodyPartExamined)
            {
                _bodyPartExamined = text.Trim(' ', '\0');
            }
            else
            {
                CaptureUid(tag, DicomUid.TrimPadding(text));
            }
        }

        public bool WantsValue(DicomReaderToken token, DicomTag tag, int depth, uint length)
        {
            if (depth == 0 && tag == DicomTag.PixelData)
            {
                _hasPixelData = true;
            }

            return token == DicomReaderToken.Element && depth == 0 && length <= MaxCapturedValueLength && IsCaptured(tag);
        }

        private void CaptureUid(DicomTag tag, string text)
        {
            if (tag == DicomTag.SOPClassUID)
            {
                _sopClassUid = text;
            }
            else if (tag == DicomTag.SOPInstanceUID)
            {
                _sopInstanceUid = text;
            }
            else if (tag == DicomTag.StudyInstanceUID)
            {
                _studyInstanceUid = text;
            }
            else
            {
                _seriesInstanceUid = text;
            }
        }

        public DicomDataSetSummary Build(long length, long elementCount) =>
            new(length, elementCount, _sopClassUid, _sopInstanceUid, _hasPixelData)
            {
                StudyInstanceUid = _studyInstanceUid,
                SeriesInstanceUid = _seriesInstanceUid,
                Modality = _modality,
                BodyPartExamined = _bodyPartExamined,
            };
    }
}
