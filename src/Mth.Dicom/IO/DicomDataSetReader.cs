using System.IO.Compression;
using Mth.Dicom.Data;

namespace Mth.Dicom.IO;

/// <summary>
/// A forward-only reader of a data set from a stream, token by token (like an XML reader):
/// element headers, sequence and item boundaries, encapsulated pixel data fragments. Values
/// are not read unless asked for (<see cref="ReadValue(Span{byte})"/>,
/// <see cref="CopyValueTo(Stream)"/>); values left unread are skipped, by seeking when the
/// stream can. Memory use is one buffer, whatever the lengths in the data say.
/// </summary>
/// <remarks>
/// The stream is read from its current position. For a deflated transfer syntax the stream
/// holds the compressed data set and offsets refer to the inflated bytes.
/// </remarks>
public sealed class DicomDataSetReader : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _canSeek;
    private readonly DicomParser _parser;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private bool _endOfStream;
    private bool _finished;

    public DicomDataSetReader(Stream stream, TransferSyntax transferSyntax, DicomReaderOptions? options = null, bool leaveOpen = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        Options = options ?? DicomReaderOptions.Default;
        TransferSyntax = transferSyntax;
        if (transferSyntax.IsDeflated)
        {
            _stream = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen);
            _ownsStream = true;
            _parser = new DicomParser(transferSyntax, Options, 0, -1);
        }
        else
        {
            _stream = stream;
            _ownsStream = !leaveOpen;
            _canSeek = stream.CanSeek;
            _parser = _canSeek
                ? new DicomParser(transferSyntax, Options, stream.Position, stream.Length - stream.Position)
                : new DicomParser(transferSyntax, Options, 0, -1);
        }
    }

    public DicomReaderOptions Options { get; }

    /// <summary>
    /// Reads a whole data set into memory (every value loaded; for command sets and other
    /// small data sets whose bytes do not stay available). Lengths are checked as for any
    /// read: nothing is allocated beyond what the stream holds.
    /// </summary>
    /// <exception cref="DicomFormatException">The bytes are not a well-formed data set in <paramref name="transferSyntax"/>.</exception>
    public static DicomDataSet Load(Stream stream, TransferSyntax transferSyntax, DicomReaderOptions? options = null)
    {
        using var reader = new DicomDataSetReader(stream, transferSyntax, options);
        var task = DicomDataSetLoader.LoadAsync(reader, source: null, 0, useAsync: false, CancellationToken.None);
        return task.IsCompleted ? task.GetAwaiter().GetResult() : throw new InvalidOperationException("Synchronous load did not complete synchronously.");
    }

    /// <inheritdoc cref="Load"/>
    public static async Task<DicomDataSet> LoadAsync(Stream stream, TransferSyntax transferSyntax, DicomReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var reader = new DicomDataSetReader(stream, transferSyntax, options);
        return await DicomDataSetLoader.LoadAsync(reader, source: null, 0, useAsync: true, cancellationToken).ConfigureAwait(false);
    }

    public TransferSyntax TransferSyntax { get; }

    public DicomReaderToken Token => _parser.Token;

    public DicomTag Tag => _parser.Tag;

    /// <summary>The VR from the stream (explicit VR) or the dictionary (implicit VR; UN when unknown).</summary>
    public DicomVR VR => _parser.VR;

    /// <summary>Whether <see cref="VR"/> was read from the stream rather than assumed from the dictionary.</summary>
    public bool IsExplicitVR => _parser.IsExplicitVR;

    /// <summary>Value length; <see cref="uint.MaxValue"/> when undefined (sequences, items, encapsulated pixel data).</summary>
    public uint Length => _parser.Length;

    public bool HasUndefinedLength => _parser.Length == uint.MaxValue;

    /// <summary>Offset of the current value in the stream (in the inflated data for deflate).</summary>
    public long ValueOffset => _parser.ValueOffset;

    /// <summary>Sequence nesting of the current token: 0 at the top level.</summary>
    public int Depth => _parser.Depth;

    /// <summary>Whether the current value's bytes are big endian (explicit VR big endian outside UN sequences).</summary>
    public bool IsBigEndian => _parser.IsBigEndian;

    /// <summary>Offset just past what has been read.</summary>
    public long Position => _parser.Position;

    /// <summary>Elements and fragments read so far.</summary>
    public long ElementCount => _parser.ElementCount;

    /// <summary>Whether the values can be read again later from the stream at <see cref="ValueOffset"/>.</summary>
    public bool CanReadValuesLater => _canSeek;

    /// <summary>Advances to the next token; false at the end of the data set.</summary>
    /// <exception cref="DicomFormatException">The data is malformed or truncated.</exception>
    public bool Read()
    {
        while (!_finished)
        {
            switch (Step())
            {
                case DicomParseStatus.Token:
                    return true;
                case DicomParseStatus.End:
                    _finished = true;
                    return false;
            }

            if (!TrySeekOverValue())
            {
                Fill();
            }
        }

        return false;
    }

    /// <inheritdoc cref="Read"/>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (!_finished)
        {
            switch (Step())
            {
                case DicomParseStatus.Token:
                    return true;
                case DicomParseStatus.End:
                    _finished = true;
                    return false;
            }

            if (!TrySeekOverValue())
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    /// <summary>Reads the rest of the current value into <paramref name="destination"/>, which must be exactly that long.</summary>
    public void ReadValue(Span<byte> destination)
    {
        EnsureValueLength(destination.Length);
        var fromBuffer = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, fromBuffer).CopyTo(destination);
        _start += fromBuffer;
        _parser.AdvanceValue(fromBuffer);
        var rest = destination[fromBuffer..];
        while (!rest.IsEmpty)
        {
            var read = _stream.Read(rest);
            if (read == 0)
            {
                throw TruncatedValue();
            }

            _parser.AdvanceValue(read);
            rest = rest[read..];
        }
    }

    /// <inheritdoc cref="ReadValue(Span{byte})"/>
    public async ValueTask ReadValueAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        EnsureValueLength(destination.Length);
        var fromBuffer = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, fromBuffer).CopyTo(destination.Span);
        _start += fromBuffer;
        _parser.AdvanceValue(fromBuffer);
        var rest = destination[fromBuffer..];
        while (!rest.IsEmpty)
        {
            var read = await _stream.ReadAsync(rest, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw TruncatedValue();
            }

            _parser.AdvanceValue(read);
            rest = rest[read..];
        }
    }

    /// <summary>
    /// Reads the current value into a new array. The array is allocated only once the
    /// length is known to fit the data (seekable input) and <see cref="DicomReaderOptions.MaxInMemoryValueLength"/>;
    /// otherwise it grows as bytes actually arrive, so a forged length cannot make it allocate.
    /// </summary>
    public byte[] ReadValue()
    {
        var length = CheckInMemoryLength();

        var known = _parser.KnownRemaining;
        if ((known >= 0 && length <= known) || length <= BufferSize)
        {
            var value = new byte[length];
            ReadValue(value);
            return value;
        }

        using var grown = new MemoryStream();
        CopyValueTo(grown);
        return grown.ToArray();
    }

    /// <inheritdoc cref="ReadValue()"/>
    public async ValueTask<byte[]> ReadValueAsync(CancellationToken cancellationToken = default)
    {
        var length = CheckInMemoryLength();
        var known = _parser.KnownRemaining;
        if ((known >= 0 && length <= known) || length <= BufferSize)
        {
            var value = new byte[length];
            await ReadValueAsync(value, cancellationToken).ConfigureAwait(false);
            return value;
        }

        using var grown = new MemoryStream();
        await CopyValueToAsync(grown, cancellationToken).ConfigureAwait(false);
        return grown.ToArray();
    }

    /// <summary>Copies the rest of the current value to <paramref name="destination"/> in buffer-sized pieces.</summary>
    public void CopyValueTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        while (_parser.ValueRemaining > 0)
        {
            if (_start == _end)
            {
                Fill();
                if (_start == _end)
                {
                    throw TruncatedValue();
                }
            }

            var count = (int)Math.Min(_parser.ValueRemaining, _end - _start);
            destination.Write(_buffer, _start, count);
            _start += count;
            _parser.AdvanceValue(count);
        }
    }

    /// <inheritdoc cref="CopyValueTo(Stream)"/>
    public async ValueTask CopyValueToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        while (_parser.ValueRemaining > 0)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
                if (_start == _end)
                {
                    throw TruncatedValue();
                }
            }

            var count = (int)Math.Min(_parser.ValueRemaining, _end - _start);
            await destination.WriteAsync(_buffer.AsMemory(_start, count), cancellationToken).ConfigureAwait(false);
            _start += count;
            _parser.AdvanceValue(count);
        }
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private long CheckInMemoryLength()
    {
        var length = _parser.ValueRemaining;
        if (length > Options.MaxInMemoryValueLength || length > Array.MaxLength)
        {
            throw new DicomFormatException($"Value of {Tag} is {length} bytes, more than the {Options.MaxInMemoryValueLength} bytes a value may load into memory", ValueOffset);
        }

        return length;
    }

    private DicomParseStatus Step()
    {
        var status = _parser.Next(_buffer.AsSpan(_start, _end - _start), _endOfStream, out var consumed);
        _start += consumed;
        return status;
    }

    private bool TrySeekOverValue()
    {
        if (!_canSeek || _start != _end || _parser.ValueRemaining <= BufferSize)
        {
            return false;
        }

        // The parser checked the length against the stream length, so the target exists.
        var skip = _parser.ValueRemaining;
        _stream.Seek(skip, SeekOrigin.Current);
        _parser.AdvanceValue(skip);
        return true;
    }

    private void Fill()
    {
        Compact();
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        _end += read;
        _endOfStream = read == 0;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        Compact();
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), cancellationToken).ConfigureAwait(false);
        _end += read;
        _endOfStream = read == 0;
    }

    private void Compact()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    private void EnsureValueLength(int length)
    {
        if (Token is not (DicomReaderToken.Element or DicomReaderToken.Fragment) || length != _parser.ValueRemaining)
        {
            throw new InvalidOperationException($"The destination must hold exactly the {_parser.ValueRemaining} value bytes still to read (current token: {Token}).");
        }
    }

    private DicomFormatException TruncatedValue() =>
        new($"Truncated data: the value of {Tag} ends {_parser.ValueRemaining} bytes past the end of the data", Position);
}
