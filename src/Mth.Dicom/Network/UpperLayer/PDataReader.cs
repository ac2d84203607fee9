namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// Walks the presentation data values of consecutive P-DATA-TF PDUs (PS3.8 9.3.5). A DIMSE
/// message may span many PDUs and a PDU may hold several PDVs; this reader hides both, checks
/// every PDV length against the PDU that holds it, and streams PDV values without buffering them.
/// </summary>
internal sealed class PDataReader
{
    /// <summary>An A-ABORT or release PDU body is 4 bytes; anything much larger is hostile.</summary>
    private const uint MaxControlPduLength = 64;

    private readonly PduReader _pdu;
    private readonly uint _maxPduLength;
    private uint _pduRemaining;
    private uint _pdvRemaining;

    public PDataReader(PduReader pdu, uint maxPduLength)
    {
        _pdu = pdu;
        _maxPduLength = maxPduLength;
    }

    public byte PresentationContextId { get; private set; }

    public bool IsCommand { get; private set; }

    public bool IsLastFragment { get; private set; }

    /// <summary>Value bytes of the current PDV not read yet.</summary>
    public uint PdvRemaining => _pdvRemaining;

    /// <summary>True while the current P-DATA-TF PDU still holds PDVs, so the next message starts inside it.</summary>
    public bool HasBufferedPdvs => _pduRemaining > 0;

    /// <summary>Called when a P-DATA-TF header was read at a message boundary; checks its length against what we advertised.</summary>
    public void BeginPData(PduHeader header)
    {
        CheckDataTransferLength(header.Length);
        _pduRemaining = header.Length;
    }

    /// <summary>Moves to the next PDV, reading the next PDU header when the current PDU is exhausted.</summary>
    public async ValueTask NextPdvAsync(CancellationToken cancellationToken)
    {
        if (_pdvRemaining > 0)
        {
            throw new InvalidOperationException("The current PDV has unread value bytes.");
        }

        if (_pduRemaining == 0)
        {
            var header = await _pdu.ReadHeaderAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new PeerConnectionLostException("The peer closed the connection in the middle of a DIMSE message.");
            if (header.Type != (byte)PduType.DataTransfer)
            {
                throw await UnexpectedPduAsync(header, "in the middle of a DIMSE message", cancellationToken).ConfigureAwait(false);
            }

            CheckDataTransferLength(header.Length);
            _pduRemaining = header.Length;
        }

        if (_pduRemaining < 6)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"P-DATA-TF has {_pduRemaining} bytes left, too few for a PDV item.");
        }

        var itemLength = await _pdu.ReadUInt32Async(cancellationToken).ConfigureAwait(false);
        _pduRemaining -= 4;
        if (itemLength < 2 || itemLength > _pduRemaining)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"PDV item length {itemLength} does not fit the {_pduRemaining} bytes left in its P-DATA-TF.");
        }

        var (contextId, control) = await _pdu.ReadTwoBytesAsync(cancellationToken).ConfigureAwait(false);
        _pduRemaining -= itemLength;
        _pdvRemaining = itemLength - 2;
        PresentationContextId = contextId;
        IsCommand = (control & 0x01) != 0;
        IsLastFragment = (control & 0x02) != 0;
    }

    /// <summary>Reads up to <paramref name="destination"/>'s length of the current PDV's value; 0 when it is exhausted.</summary>
    public async ValueTask<int> ReadValueAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_pdvRemaining == 0 || destination.IsEmpty)
        {
            return 0;
        }

        var count = (int)Math.Min((uint)destination.Length, _pdvRemaining);
        var read = await _pdu.ReadSomeAsync(destination[..count], cancellationToken).ConfigureAwait(false);
        _pdvRemaining -= (uint)read;
        return read;
    }

    public async ValueTask SkipValueAsync(CancellationToken cancellationToken)
    {
        await _pdu.SkipAsync(_pdvRemaining, cancellationToken).ConfigureAwait(false);
        _pdvRemaining = 0;
    }

    /// <summary>
    /// Reads one whole command set, however fragmented; returns its presentation context ID and
    /// bytes. A data fragment, a change of context or a set over <paramref name="maxLength"/> is a
    /// protocol error.
    /// </summary>
    public async ValueTask<(byte PresentationContextId, byte[] CommandSet)> ReadCommandSetAsync(int maxLength, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        byte? contextId = null;
        while (true)
        {
            await NextPdvAsync(cancellationToken).ConfigureAwait(false);
            if (!IsCommand)
            {
                throw new DicomProtocolException(AbortReason.UnexpectedPduParameter,
                    "A data set fragment arrived where a DIMSE command was expected.");
            }

            if (contextId is { } id && id != PresentationContextId)
            {
                throw new DicomProtocolException(AbortReason.UnexpectedPduParameter,
                    $"A command set switched from presentation context {id} to {PresentationContextId} between fragments.");
            }

            contextId = PresentationContextId;
            if (buffer.Length + _pdvRemaining > maxLength)
            {
                throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                    $"A DIMSE command set is longer than the {maxLength} bytes accepted.");
            }

            var chunk = new byte[_pdvRemaining];
            await _pdu.ReadExactlyAsync(chunk, cancellationToken).ConfigureAwait(false);
            _pdvRemaining = 0;
            buffer.Write(chunk);
            if (IsLastFragment)
            {
                return (contextId.Value, buffer.ToArray());
            }
        }
    }

    /// <summary>Turns a PDU that must not appear here into the right exception, reading an A-ABORT's reason first.</summary>
    public async ValueTask<Exception> UnexpectedPduAsync(PduHeader header, string where, CancellationToken cancellationToken)
    {
        if (header.Type == (byte)PduType.Abort && header.Length <= MaxControlPduLength)
        {
            var body = await _pdu.ReadBodyAsync(header.Length, MaxControlPduLength, "A-ABORT", cancellationToken).ConfigureAwait(false);
            return new AssociationAbortedException(AssociationPduCodec.DecodeAbort(body));
        }

        return header.IsKnownType
            ? new DicomProtocolException(AbortReason.UnexpectedPdu, $"An {header} arrived {where}.")
            : new DicomProtocolException(AbortReason.UnrecognizedPdu, $"An {header} arrived {where}.");
    }

    private void CheckDataTransferLength(uint length)
    {
        if (length > _maxPduLength)
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"P-DATA-TF of {length} bytes exceeds the maximum PDU length {_maxPduLength} this side announced.");
        }
    }
}
