using System.Buffers.Binary;

namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// Reads PDUs from a transport through one fixed buffer. Lengths announced by the peer are
/// checked against caller limits before anything is allocated, and every wait for bytes is
/// bounded by the connection's <see cref="InactivityTimer"/>: a silent peer becomes a
/// <see cref="PeerConnectionLostException"/>. Tokens passed in must derive from the timer's token.
/// </summary>
internal sealed class PduReader
{
    private readonly Stream _transport;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    private readonly InactivityTimer _inactivity;

    public PduReader(Stream transport, InactivityTimer inactivity, int bufferSize = 64 * 1024)
    {
        _transport = transport;
        _inactivity = inactivity;
        _buffer = new byte[bufferSize];
    }

    private int Buffered => _end - _start;

    /// <summary>Reads the next PDU header, or returns null when the peer closed the connection cleanly between PDUs.</summary>
    public async ValueTask<PduHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(PduHeader.Size, allowCleanEnd: true, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var header = new PduHeader(_buffer[_start], BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start + 2)));
        _start += PduHeader.Size;
        return header;
    }

    /// <summary>Reads a whole PDU body of a length already checked against a limit by the caller.</summary>
    public async ValueTask<byte[]> ReadBodyAsync(uint length, uint maxLength, string what, CancellationToken cancellationToken)
    {
        if (length > maxLength)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"{what} announces {length} bytes, more than the {maxLength} accepted.");
        }

        var body = new byte[length];
        await ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }

    public async ValueTask<uint> ReadUInt32Async(CancellationToken cancellationToken)
    {
        await FillAsync(4, allowCleanEnd: false, cancellationToken).ConfigureAwait(false);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start));
        _start += 4;
        return value;
    }

    public async ValueTask<(byte First, byte Second)> ReadTwoBytesAsync(CancellationToken cancellationToken)
    {
        await FillAsync(2, allowCleanEnd: false, cancellationToken).ConfigureAwait(false);
        var pair = (_buffer[_start], _buffer[_start + 1]);
        _start += 2;
        return pair;
    }

    public async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (destination.Length > 0)
        {
            var read = await ReadSomeAsync(destination, cancellationToken).ConfigureAwait(false);
            destination = destination[read..];
        }
    }

    /// <summary>Reads at least one byte and at most <paramref name="destination"/>'s length; the end of the stream here is a lost peer.</summary>
    public async ValueTask<int> ReadSomeAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        if (Buffered == 0 && destination.Length >= _buffer.Length)
        {
            // Large reads bypass the buffer: data set bytes go straight to the consumer.
            var direct = await ReceiveAsync(destination, cancellationToken).ConfigureAwait(false);
            if (direct == 0)
            {
                throw LostMidPdu();
            }

            return direct;
        }

        await FillAsync(1, allowCleanEnd: false, cancellationToken).ConfigureAwait(false);
        var count = Math.Min(Buffered, destination.Length);
        _buffer.AsMemory(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }

    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            await FillAsync(1, allowCleanEnd: false, cancellationToken).ConfigureAwait(false);
            var skipped = (int)Math.Min(Buffered, count);
            _start += skipped;
            count -= skipped;
        }
    }

    /// <summary>Ensures <paramref name="count"/> bytes are buffered; false only when the stream ended before the first of them and that is allowed.</summary>
    private async ValueTask<bool> FillAsync(int count, bool allowCleanEnd, CancellationToken cancellationToken)
    {
        if (Buffered >= count)
        {
            return true;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, Buffered);
            _end = Buffered;
            _start = 0;
        }

        while (_end < count)
        {
            var read = await ReceiveAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (allowCleanEnd && _end == 0)
                {
                    return false;
                }

                throw LostMidPdu();
            }

            _end += read;
        }

        return true;
    }

    private async ValueTask<int> ReceiveAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        _inactivity.Begin();
        try
        {
            return await _transport.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_inactivity.TimedOut)
        {
            throw new PeerConnectionLostException($"The peer sent nothing for {_inactivity.Timeout.TotalSeconds:0.#} s.");
        }
        catch (IOException ex)
        {
            throw new PeerConnectionLostException("The connection to the peer failed: " + ex.Message, ex);
        }
        finally
        {
            _inactivity.End();
        }
    }

    private static PeerConnectionLostException LostMidPdu() =>
        new("The peer closed the connection in the middle of a PDU.");
}
