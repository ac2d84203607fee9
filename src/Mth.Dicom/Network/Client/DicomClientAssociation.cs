using System.Net.Sockets;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Network.Client;

/// <summary>
/// The requesting side of an association (SCU): opens it, runs C-ECHO and C-STORE one at a
/// time, and releases or aborts it. Disposing an association that was not released aborts it.
/// </summary>
public sealed class DicomClientAssociation : IAsyncDisposable
{
    private readonly Stream _transport;
    private readonly DicomClientOptions _options;
    private readonly InactivityTimer _inactivity;
    private readonly PduReader _reader;
    private readonly PDataReader _pdata;
    private readonly PduWriter _writer;
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private ushort _nextMessageId;
    private bool _closed;

    private DicomClientAssociation(Stream transport, DicomClientOptions options, InactivityTimer inactivity, PduReader reader, AssociateAccept accept,
        IReadOnlyList<AcceptedPresentationContext> accepted)
    {
        _transport = transport;
        _options = options;
        _inactivity = inactivity;
        _reader = reader;
        _pdata = new PDataReader(reader, options.MaxPduLength);
        _writer = new PduWriter(transport, inactivity, accept.UserInformation.MaxPduLength, options.MaxSendPduLength);
        Accept = accept;
        AcceptedContexts = accepted;
    }

    /// <summary>The peer's A-ASSOCIATE-AC, as received.</summary>
    public AssociateAccept Accept { get; }

    public IReadOnlyList<AcceptedPresentationContext> AcceptedContexts { get; }

    /// <summary>Connects over TCP (no Nagle delay) and requests an association proposing <paramref name="contexts"/>.</summary>
    public static async Task<DicomClientAssociation> ConnectAsync(string host, int port, IReadOnlyList<PresentationContextProposal> contexts,
        DicomClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.ConnectTimeout);
                try
                {
                    await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DicomNetworkException($"Connecting to {host}:{port} timed out after {options.ConnectTimeout.TotalSeconds:0.#} s.");
                }
                catch (SocketException ex)
                {
                    throw new DicomNetworkException($"Cannot connect to {host}:{port}: {ex.Message}", ex);
                }
            }

            return await OpenAsync(new NetworkStream(socket, ownsSocket: true), contexts, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Requests an association over an already connected transport, which the association then owns.</summary>
    public static async Task<DicomClientAssociation> OpenAsync(Stream transport, IReadOnlyList<PresentationContextProposal> contexts,
        DicomClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (contexts.Count is 0 or > AssociationPduCodec.MaxPresentationContexts)
        {
            throw new ArgumentException($"Propose 1 to {AssociationPduCodec.MaxPresentationContexts} presentation contexts.", nameof(contexts));
        }

        var inactivity = new InactivityTimer(options.AssociationTimeout, CancellationToken.None);
        try
        {
            using var operation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, inactivity.Token);
            cancellationToken = operation.Token;
            var request = new AssociateRequest(options.CalledAeTitle, options.CallingAeTitle, contexts,
                new UserInformation(options.MaxPduLength, options.ImplementationClassUid, options.ImplementationVersionName));
            var requestWriter = new PduWriter(transport, inactivity, 0, options.MaxSendPduLength);
            await requestWriter.WritePduAsync(AssociationPduCodec.EncodeRequest(request), cancellationToken).ConfigureAwait(false);

            var reader = new PduReader(transport, inactivity);
            var header = await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new PeerConnectionLostException("The peer closed the connection instead of answering the A-ASSOCIATE-RQ.");
            switch ((PduType)header.Type)
            {
                case PduType.AssociateAccept:
                    var body = await reader.ReadBodyAsync(header.Length, 1024 * 1024, "A-ASSOCIATE-AC", cancellationToken).ConfigureAwait(false);
                    var accept = AssociationPduCodec.DecodeAccept(body);
                    var accepted = MatchAccepted(contexts, accept);
                    inactivity.Timeout = options.DimseTimeout;
                    return new DicomClientAssociation(transport, options, inactivity, reader, accept, accepted);
                case PduType.AssociateReject:
                    var reject = await reader.ReadBodyAsync(header.Length, 64, "A-ASSOCIATE-RJ", cancellationToken).ConfigureAwait(false);
                    throw new AssociationRejectedException(AssociationPduCodec.DecodeReject(reject));
                case PduType.Abort:
                    var abort = await reader.ReadBodyAsync(header.Length, 64, "A-ABORT", cancellationToken).ConfigureAwait(false);
                    throw new AssociationAbortedException(AssociationPduCodec.DecodeAbort(abort));
                default:
                    throw new DicomProtocolException(AbortReason.UnexpectedPdu, $"An {header} answered the A-ASSOCIATE-RQ.");
            }
        }
        catch
        {
            inactivity.Dispose();
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The accepted context for an abstract syntax, preferring <paramref name="transferSyntax"/> when given.</summary>
    public AcceptedPresentationContext? FindContext(string abstractSyntax, TransferSyntax? transferSyntax = null)
    {
        AcceptedPresentationContext? any = null;
        foreach (var context in AcceptedContexts)
        {
            if (context.AbstractSyntax != abstractSyntax)
            {
                continue;
            }

            if (transferSyntax is null || context.TransferSyntax.Equals(transferSyntax))
            {
                return context;
            }

            any ??= context;
        }

        return transferSyntax is null ? any : null;
    }

    /// <summary>C-ECHO on the accepted Verification context.</summary>
    public async Task<DimseStatus> EchoAsync(CancellationToken cancellationToken = default)
    {
        var context = FindContext(DicomNetworkUids.Verification)
            ?? throw new InvalidOperationException("The peer did not accept the Verification SOP class.");
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var operation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _inactivity.Token);
        cancellationToken = operation.Token;
        try
        {
            var request = DimseCommand.EchoRequest(NextMessageId());
            await _writer.WriteCommandAsync(context.Id, CommandSetCodec.Encode(request), cancellationToken).ConfigureAwait(false);
            return await ReadResponseAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _exclusive.Release();
        }
    }

    /// <summary>
    /// C-STORE of one instance whose data set (no file meta) is read from <paramref name="dataSet"/>,
    /// already encoded in <paramref name="context"/>'s transfer syntax.
    /// </summary>
    public async Task<DimseStatus> StoreAsync(AcceptedPresentationContext context, string sopClassUid, string sopInstanceUid, Stream dataSet,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(dataSet);
        DicomUid.Validate(sopClassUid, "SOP Class UID");
        DicomUid.Validate(sopInstanceUid, "SOP Instance UID");
        if (!AcceptedContexts.Contains(context) || context.AbstractSyntax != sopClassUid)
        {
            throw new ArgumentException("The presentation context was not accepted for this SOP class.", nameof(context));
        }

        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var operation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _inactivity.Token);
        cancellationToken = operation.Token;
        try
        {
            var request = DimseCommand.StoreRequest(NextMessageId(), sopClassUid, sopInstanceUid);
            await _writer.WriteCommandAsync(context.Id, CommandSetCodec.Encode(request), cancellationToken).ConfigureAwait(false);
            await _writer.WriteDataSetAsync(context.Id, dataSet, cancellationToken).ConfigureAwait(false);
            return await ReadResponseAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _exclusive.Release();
        }
    }

    /// <summary>Sends A-RELEASE-RQ, waits for A-RELEASE-RP, closes the connection.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var operation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _inactivity.Token);
        cancellationToken = operation.Token;
        try
        {
            if (_closed)
            {
                return;
            }

            await _writer.WritePduAsync(AssociationPduCodec.EncodeReleaseRequest(), cancellationToken).ConfigureAwait(false);
            _inactivity.Timeout = _options.AssociationTimeout;
            while (true)
            {
                var header = await _reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new PeerConnectionLostException("The peer closed the connection instead of answering the A-RELEASE-RQ.");
                if (header.Type == (byte)PduType.ReleaseResponse)
                {
                    await _reader.ReadBodyAsync(header.Length, 64, "A-RELEASE-RP", cancellationToken).ConfigureAwait(false);
                    break;
                }

                if (header.Type == (byte)PduType.DataTransfer && header.Length <= _options.MaxPduLength)
                {
                    await _reader.SkipAsync(header.Length, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw await _pdata.UnexpectedPduAsync(header, "instead of A-RELEASE-RP", cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _closed = true;
            await _transport.DisposeAsync().ConfigureAwait(false);
            _exclusive.Release();
        }
    }

    /// <summary>Sends A-ABORT and closes the connection.</summary>
    public async Task AbortAsync()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _transport.WriteAsync(AssociationPduCodec.EncodeAbort(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified)), timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone.
        }
        finally
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        _inactivity.Dispose();
        _exclusive.Dispose();
    }

    private ushort NextMessageId() => ++_nextMessageId == 0 ? ++_nextMessageId : _nextMessageId;

    private async Task<DimseStatus> ReadResponseAsync(DimseCommand request, CancellationToken cancellationToken)
    {
        if (!_pdata.HasBufferedPdvs)
        {
            var header = await _reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new PeerConnectionLostException("The peer closed the connection before answering.");
            if (header.Type != (byte)PduType.DataTransfer)
            {
                throw await _pdata.UnexpectedPduAsync(header, "instead of a DIMSE response", cancellationToken).ConfigureAwait(false);
            }

            _pdata.BeginPData(header);
        }

        var (contextId, commandSet) = await _pdata.ReadCommandSetAsync(64 * 1024, cancellationToken).ConfigureAwait(false);
        var response = CommandSetCodec.Decode(commandSet);
        if (response.HasDataSet)
        {
            await new DataSetStream(_pdata, contextId, cancellationToken).DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        if (response.CommandField != request.CommandField.ToResponse() || response.MessageIdBeingRespondedTo != request.MessageId)
        {
            throw new DicomProtocolException(AbortReason.UnexpectedPduParameter,
                $"Expected the response to message {request.MessageId} ({request.CommandField}), got {response.CommandField} for message {response.MessageIdBeingRespondedTo}.");
        }

        return new DimseStatus(response.Status ?? 0xC000, response.ErrorComment);
    }

    private static List<AcceptedPresentationContext> MatchAccepted(IReadOnlyList<PresentationContextProposal> proposed, AssociateAccept accept)
    {
        var accepted = new List<AcceptedPresentationContext>();
        foreach (var response in accept.PresentationContexts)
        {
            if (!response.IsAccepted)
            {
                continue;
            }

            var proposal = proposed.FirstOrDefault(p => p.Id == response.Id);
            if (proposal is null || !proposal.TransferSyntaxes.Contains(response.TransferSyntax))
            {
                throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                    $"The A-ASSOCIATE-AC accepts presentation context {response.Id} with a transfer syntax that was not proposed.");
            }

            accepted.Add(new AcceptedPresentationContext(response.Id, proposal.AbstractSyntax, TransferSyntax.Lookup(response.TransferSyntax)));
        }

        return accepted;
    }
}
