using System.Buffers.Binary;

namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// Writes PDUs to a transport. DIMSE messages go out as P-DATA-TF PDUs of one PDV each, sized to
/// the peer's maximum PDU length, with PDU and PDV headers written into the same buffer as the
/// value so each fragment is one write. Tokens passed in must derive from the connection's
/// <see cref="InactivityTimer"/> token, which bounds how long a write may wait on the peer.
/// </summary>
internal sealed class PduWriter
{
    /// <summary>PDU header (6) plus PDV item length (4), presentation context ID (1) and message control header (1).</summary>
    private const int FragmentOverhead = PduHeader.Size + 6;

    private readonly Stream _transport;
    private readonly InactivityTimer _inactivity;
    private readonly int _maxFragment;
    private byte[] _current;
    private byte[] _next;

    /// <param name="peerMaxPduLength">The maximum PDU length the peer receives; 0 means no limit.</param>
    /// <param name="ownMaxPduLength">The largest PDU this side sends regardless of what the peer allows.</param>
    public PduWriter(Stream transport, InactivityTimer inactivity, uint peerMaxPduLength, uint ownMaxPduLength)
    {
        _transport = transport;
        _inactivity = inactivity;
        var pduLength = peerMaxPduLength == 0 ? ownMaxPduLength : Math.Min(peerMaxPduLength, ownMaxPduLength);
        // A PDV needs its 6 header bytes and some value; fragments are kept even, as DICOM values are (dcmtk refuses odd ones).
        _maxFragment = (int)(Math.Max(pduLength, 8u) - 6) & ~1;
        // One spare byte lets the last fragment of an odd-length data set take its pad.
        _current = new byte[FragmentOverhead + Math.Min(_maxFragment, 64 * 1024) + 1];
        _next = new byte[_current.Length];
    }

    /// <summary>Largest PDV value this writer puts in one P-DATA-TF.</summary>
    public int MaxFragmentLength => _maxFragment;

    public ValueTask WritePduAsync(ReadOnlyMemory<byte> pdu, CancellationToken cancellationToken) =>
        SendAsync(pdu, cancellationToken);

    /// <summary>Sends a command set, fragmented as needed, the last fragment flagged.</summary>
    public async ValueTask WriteCommandAsync(byte presentationContextId, ReadOnlyMemory<byte> commandSet, CancellationToken cancellationToken)
    {
        var offset = 0;
        do
        {
            var count = Math.Min(commandSet.Length - offset, _maxFragment);
            var last = offset + count == commandSet.Length;
            var frame = EnsureFrame(ref _current, count);
            commandSet.Slice(offset, count).CopyTo(frame.AsMemory(FragmentOverhead));
            await SendFragmentAsync(frame, presentationContextId, isCommand: true, last, count, cancellationToken).ConfigureAwait(false);
            offset += count;
        }
        while (offset < commandSet.Length);
    }

    /// <summary>
    /// Streams a data set from <paramref name="source"/>. One fragment is read ahead so the last
    /// one can be flagged without knowing the length in advance; an empty source sends one empty
    /// last fragment. An odd total length (a deflated data set can have one) gets one trailing
    /// NUL byte, which inflating ignores, so every fragment stays even.
    /// </summary>
    public async ValueTask WriteDataSetAsync(byte presentationContextId, Stream source, CancellationToken cancellationToken)
    {
        var fragment = Math.Min(_maxFragment, _current.Length - FragmentOverhead - 1);
        var count = await FillAsync(source, _current, fragment, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var nextCount = count < fragment ? 0 : await FillAsync(source, _next, fragment, cancellationToken).ConfigureAwait(false);
            var last = nextCount == 0;
            if (last && (count & 1) == 1)
            {
                _current[FragmentOverhead + count] = 0;
                count++;
            }

            await SendFragmentAsync(_current, presentationContextId, isCommand: false, last, count, cancellationToken).ConfigureAwait(false);
            if (last)
            {
                return;
            }

            (_current, _next) = (_next, _current);
            count = nextCount;
        }
    }

    private static async ValueTask<int> FillAsync(Stream source, byte[] frame, int fragment, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < fragment)
        {
            var read = await source.ReadAsync(frame.AsMemory(FragmentOverhead + filled, fragment - filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private static byte[] EnsureFrame(ref byte[] frame, int valueLength)
    {
        if (frame.Length < FragmentOverhead + valueLength)
        {
            frame = new byte[FragmentOverhead + valueLength];
        }

        return frame;
    }

    private ValueTask SendFragmentAsync(byte[] frame, byte presentationContextId, bool isCommand, bool last, int valueLength, CancellationToken cancellationToken)
    {
        var span = frame.AsSpan();
        span[0] = (byte)PduType.DataTransfer;
        span[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], (uint)(valueLength + 6));
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)(valueLength + 2));
        span[10] = presentationContextId;
        span[11] = (byte)((isCommand ? 0x01 : 0x00) | (last ? 0x02 : 0x00));
        return SendAsync(frame.AsMemory(0, FragmentOverhead + valueLength), cancellationToken);
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        _inactivity.Begin();
        try
        {
            await _transport.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_inactivity.TimedOut)
        {
            throw new PeerConnectionLostException($"The peer accepted no data for {_inactivity.Timeout.TotalSeconds:0.#} s.");
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
}
