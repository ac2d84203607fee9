namespace Mth.Dicom.Network.UpperLayer;

/// <summary>
/// The data set of one DIMSE message as a read-only stream over its PDV values, read straight
/// from the network as the consumer asks: at most one transport buffer is held, never the data
/// set. It ends after the PDV flagged last. Any failure (the peer aborts, breaks the protocol,
/// goes silent) is recorded in <see cref="Fault"/> and rethrown to the reader, so a consumer that
/// stops at an exception never mistakes a cut-off data set for a whole one.
/// </summary>
internal sealed class DataSetStream : ForwardReadStream
{
    private readonly PDataReader _reader;
    private readonly byte _presentationContextId;
    private readonly CancellationToken _associationToken;
    private bool _lastFragmentSeen;
    private bool _started;
    private long _bytesRead;

    public DataSetStream(PDataReader reader, byte presentationContextId, CancellationToken associationToken)
    {
        _reader = reader;
        _presentationContextId = presentationContextId;
        _associationToken = associationToken;
    }

    /// <summary>Set when reading failed; the association cannot continue.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>True once the last fragment was read to its end.</summary>
    public bool IsComplete { get; private set; }

    public override long BytesRead => _bytesRead;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Fault is not null)
        {
            throw new IOException("The data set stream failed earlier.", Fault);
        }

        if (IsComplete || buffer.IsEmpty)
        {
            return 0;
        }

        // The handler usually passes the association's own token back: link only when it brings its own.
        using var linked = cancellationToken.CanBeCanceled && cancellationToken != _associationToken
            ? CancellationTokenSource.CreateLinkedTokenSource(_associationToken, cancellationToken)
            : null;
        var token = linked?.Token ?? _associationToken;
        try
        {
            while (_reader.PdvRemaining == 0)
            {
                if (_started && _lastFragmentSeen)
                {
                    IsComplete = true;
                    return 0;
                }

                await _reader.NextPdvAsync(token).ConfigureAwait(false);
                _started = true;
                if (_reader.IsCommand || _reader.PresentationContextId != _presentationContextId)
                {
                    throw new DicomProtocolException(AbortReason.UnexpectedPduParameter,
                        $"A {(_reader.IsCommand ? "command" : "data")} fragment on presentation context {_reader.PresentationContextId} " +
                        $"arrived inside a data set on context {_presentationContextId}.");
                }

                _lastFragmentSeen = _reader.IsLastFragment;
            }

            var read = await _reader.ReadValueAsync(buffer, token).ConfigureAwait(false);
            _bytesRead += read;
            return read;
        }
        catch (Exception ex)
        {
            Fault = ex;
            throw;
        }
    }

    /// <summary>Reads and discards the rest of the data set, so the association can answer and go on.</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        var scratch = new byte[16 * 1024];
        while (!IsComplete)
        {
            if (Fault is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(Fault);
            }

            if (_reader.PdvRemaining > 0)
            {
                var skipped = _reader.PdvRemaining;
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(_associationToken, cancellationToken);
                try
                {
                    await _reader.SkipValueAsync(linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Fault = ex;
                    throw;
                }

                _bytesRead += skipped;
                continue;
            }

            await ReadAsync(scratch, cancellationToken).ConfigureAwait(false);
        }
    }
}
