using System.Buffers.Binary;

namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// Writes PDUs to a transport. DIMSE messages go out as P-DATA-TF PDUs of one PDV each, sized to
/// the peer's maximum PDU length, with PDU and PDV headers written into the same buffer as the
/// value so each fragment is one write.
/// </summary>
internal sealed class PduWriter
{
    /// <summary>PDU header (6) plus PDV item length (4), presentation context ID (1) and message control header (1).</summary>
    private const int FragmentOverhead = PduHeader.Size + 6;

    private readonly Stream _transport;
    private readonly int _maxFragment;
    private byte[] _current;
    private byte[] _next;

    /// <param name="peerMaxPduLength">The maximum PDU length the peer receives; 0 means no limit.</param>
    /// <param name="ownMaxPduLength">The largest PDU this side sends regardless of what the peer allows.</param>
    public PduWriter(Stream transport, uint peerMaxPduLength, uint ownMaxPduLength)
    {
        _transport = transport;
        var pduLength = peerMaxPduLength == 0 ? ownMaxPduLength : Math.Min(peerMaxPduLength, ownMaxPduLength);
        // A PDV needs its 6 header bytes and at least one value byte.
        _maxFragment = (int)Math.Max(pduLength, 7u) - 6;
        _current = new byte[FragmentOverhead + Math.Min(_maxFragment, 64 * 1024)];
        _next = new byte[_current.Length];
    }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

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
    /// last fragment.
    /// </summary>
    public async ValueTask WriteDataSetAsync(byte presentationContextId, Stream source, CancellationToken cancellationToken)
    {
        var fragment = Math.Min(_maxFragment, _current.Length - FragmentOverhead);
        var count = await FillAsync(source, _current, fragment, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var nextCount = count < fragment ? 0 : await FillAsync(source, _next, fragment, cancellationToken).ConfigureAwait(false);
            var last = nextCount == 0;
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
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await _transport.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PeerConnectionLostException($"The peer accepted no data for {Timeout.TotalSeconds:0.#} s.");
        }
        catch (IOException ex)
        {
            throw new PeerConnectionLostException("The connection to the peer failed: " + ex.Message, ex);
        }
    }
}
