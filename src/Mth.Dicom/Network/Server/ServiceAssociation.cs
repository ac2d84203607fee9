using System.Net;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Network.Server;

/// <summary>
/// One association on the service side, from the transport connection to its close: the
/// acceptor's half of the PS3.8 state machine, with C-ECHO and C-STORE handled by DIMSE. Every
/// failure ends here in a log line and, where the protocol allows, an A-ABORT; nothing escapes
/// to the server, which keeps serving.
/// </summary>
internal sealed class ServiceAssociation
{
    private readonly DicomServerOptions _options;
    private readonly AssociationNegotiator _negotiator;
    private readonly StorageServiceProvider _storage;
    private readonly IDicomNetworkLog _log;
    private readonly DicomServerStatistics _statistics;
    private readonly Func<bool> _tryTakeSlot;
    private readonly Action _releaseSlot;
    private readonly Stream _transport;
    private readonly EndPoint? _remote;
    private readonly long _id;
    private readonly CancellationToken _stopping;
    private readonly CancellationToken _abort;
    private readonly InactivityTimer _inactivity;
    private readonly CancellationTokenSource _betweenMessages;
    private readonly PduReader _reader;
    private readonly PDataReader _pdata;
    private PduWriter? _writer;
    private bool _slotTaken;
    private AssociationContext? _context;
    private IReadOnlyDictionary<byte, AcceptedPresentationContext> _accepted = new Dictionary<byte, AcceptedPresentationContext>();

    public ServiceAssociation(
        long id,
        Stream transport,
        EndPoint? remote,
        DicomServerOptions options,
        AssociationNegotiator negotiator,
        StorageServiceProvider storage,
        IDicomNetworkLog log,
        DicomServerStatistics statistics,
        Func<bool> tryTakeSlot,
        Action releaseSlot,
        CancellationToken stopping,
        CancellationToken abort)
    {
        _id = id;
        _transport = transport;
        _remote = remote;
        _options = options;
        _negotiator = negotiator;
        _storage = storage;
        _log = log;
        _statistics = statistics;
        _tryTakeSlot = tryTakeSlot;
        _releaseSlot = releaseSlot;
        _stopping = stopping;
        _abort = abort;
        // One token for all I/O: the server's abort or the peer's silence past the current timeout.
        _inactivity = new InactivityTimer(options.ArtimTimeout, abort);
        // Between messages a graceful stop may also interrupt the wait.
        _betweenMessages = CancellationTokenSource.CreateLinkedTokenSource(stopping, _inactivity.Token);
        _reader = new PduReader(transport, _inactivity);
        _pdata = new PDataReader(_reader, options.MaxPduLength);
    }

    private string Name => _context is { } c
        ? $"Association {_id} ({c.CallingAeTitle} -> {c.CalledAeTitle} from {_remote})"
        : $"Connection {_id} from {_remote}";

    /// <summary>Serves the connection to its end. The stopping token (a graceful stop) is honoured between DIMSE messages, the abort token everywhere.</summary>
    public async Task RunAsync()
    {
        var abort = _inactivity.Token;
        try
        {
            var request = await ReceiveAssociateRequestAsync(abort).ConfigureAwait(false);
            if (request is null)
            {
                return;
            }

            var rejection = _negotiator.CheckAdmission(request);
            if (rejection is null)
            {
                _slotTaken = _tryTakeSlot();
                if (!_slotTaken)
                {
                    rejection = AssociateReject.LocalLimitExceeded;
                }
            }

            if (rejection is { } reject)
            {
                await RejectAsync(request, reject, abort).ConfigureAwait(false);
                return;
            }

            await AcceptAsync(request, abort).ConfigureAwait(false);
            await ServeMessagesAsync(abort).ConfigureAwait(false);
        }
        catch (DicomProtocolException ex)
        {
            _statistics.AssociationAborted();
            _log.Write(DicomLogLevel.Warning, $"{Name}: aborted, protocol error: {ex.Message}");
            await TrySendAbortAsync(new AbortPdu(AbortSource.ServiceProvider, ex.Reason)).ConfigureAwait(false);
        }
        catch (AssociationAbortedException ex)
        {
            _statistics.AssociationAborted();
            _log.Write(DicomLogLevel.Warning, $"{Name}: {ex.Message}");
        }
        catch (PeerConnectionLostException ex)
        {
            _statistics.AssociationAborted();
            _log.Write(DicomLogLevel.Warning, $"{Name}: {ex.Message}");
            if (ex.InnerException is null)
            {
                // A silent peer may still be listening: tell it why we hang up.
                await TrySendAbortAsync(new AbortPdu(AbortSource.ServiceProvider, AbortReason.NotSpecified)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_inactivity.TimedOut && !_abort.IsCancellationRequested)
        {
            _statistics.AssociationAborted();
            _log.Write(DicomLogLevel.Warning, $"{Name}: aborted, the peer stalled for {_inactivity.Timeout.TotalSeconds:0.#} s.");
            await TrySendAbortAsync(new AbortPdu(AbortSource.ServiceProvider, AbortReason.NotSpecified)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested || _abort.IsCancellationRequested)
        {
            _statistics.AssociationAborted();
            _log.Write(DicomLogLevel.Information, $"{Name}: aborted because the server is stopping.");
            await TrySendAbortAsync(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _statistics.AssociationAborted();
            _log.Write(DicomLogLevel.Error, $"{Name}: aborted after an unexpected error: {ex.Message}", ex);
            await TrySendAbortAsync(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified)).ConfigureAwait(false);
        }
        finally
        {
            ReleaseSlot();
            _betweenMessages.Dispose();
            _inactivity.Dispose();
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Frees the association's place under the cap once, as soon as it is released (before the connection closes).</summary>
    private void ReleaseSlot()
    {
        if (_slotTaken)
        {
            _slotTaken = false;
            _releaseSlot();
        }
    }

    private async Task<AssociateRequest?> ReceiveAssociateRequestAsync(CancellationToken abort)
    {
        var header = await _reader.ReadHeaderAsync(abort).ConfigureAwait(false);
        if (header is not { } h)
        {
            _log.Write(DicomLogLevel.Debug, $"{Name}: closed before sending an A-ASSOCIATE-RQ.");
            return null;
        }

        if (h.Type != (byte)PduType.AssociateRequest)
        {
            throw await _pdata.UnexpectedPduAsync(h, "before an A-ASSOCIATE-RQ", abort).ConfigureAwait(false);
        }

        var body = await _reader.ReadBodyAsync(h.Length, _options.MaxAssociateRequestLength, "A-ASSOCIATE-RQ", abort).ConfigureAwait(false);
        return AssociationPduCodec.DecodeRequest(body);
    }

    private async Task RejectAsync(AssociateRequest request, AssociateReject reject, CancellationToken abort)
    {
        _statistics.AssociationRejected();
        _log.Write(DicomLogLevel.Warning,
            $"{Name}: A-ASSOCIATE-RQ from '{request.CallingAeTitle}' to '{request.CalledAeTitle}' rejected: {reject.Describe()}.");
        var writer = new PduWriter(_transport, _inactivity, 0, _options.MaxSendPduLength);
        await writer.WritePduAsync(AssociationPduCodec.EncodeReject(reject), abort).ConfigureAwait(false);
        await WaitForPeerCloseAsync(abort).ConfigureAwait(false);
    }

    private async Task AcceptAsync(AssociateRequest request, CancellationToken abort)
    {
        var (accept, accepted) = _negotiator.Negotiate(request);
        _accepted = accepted;
        _context = new AssociationContext(_id, request.CallingAeTitle, request.CalledAeTitle, _remote,
            request.UserInformation.ImplementationClassUid, request.UserInformation.ImplementationVersionName);
        _writer = new PduWriter(_transport, _inactivity, request.UserInformation.MaxPduLength, _options.MaxSendPduLength);
        _inactivity.Timeout = _options.IdleTimeout;
        await _writer.WritePduAsync(AssociationPduCodec.EncodeAccept(accept), abort).ConfigureAwait(false);
        _statistics.AssociationAccepted();
        _log.Write(DicomLogLevel.Information,
            $"{Name}: accepted {accepted.Count} of {request.PresentationContexts.Count} presentation contexts " +
            $"(peer implementation {request.UserInformation.ImplementationClassUid} {request.UserInformation.ImplementationVersionName}).");
    }

    private async Task ServeMessagesAsync(CancellationToken abort)
    {
        while (true)
        {
            if (!_pdata.HasBufferedPdvs)
            {
                // Between messages a graceful stop may interrupt the wait.
                var header = await _reader.ReadHeaderAsync(_betweenMessages.Token).ConfigureAwait(false);
                if (header is not { } h)
                {
                    _statistics.AssociationAborted();
                    _log.Write(DicomLogLevel.Warning, $"{Name}: the peer closed the connection without releasing the association.");
                    return;
                }

                switch ((PduType)h.Type)
                {
                    case PduType.DataTransfer:
                        _pdata.BeginPData(h);
                        break;
                    case PduType.ReleaseRequest:
                        await _reader.ReadBodyAsync(h.Length, 64, "A-RELEASE-RQ", abort).ConfigureAwait(false);
                        await _writer!.WritePduAsync(AssociationPduCodec.EncodeReleaseResponse(), abort).ConfigureAwait(false);
                        _log.Write(DicomLogLevel.Information, $"{Name}: released.");
                        ReleaseSlot();
                        await WaitForPeerCloseAsync(abort).ConfigureAwait(false);
                        return;
                    default:
                        throw await _pdata.UnexpectedPduAsync(h, "on an established association", abort).ConfigureAwait(false);
                }
            }

            await HandleMessageAsync(abort).ConfigureAwait(false);
        }
    }

    private async Task HandleMessageAsync(CancellationToken abort)
    {
        var (contextId, commandSet) = await _pdata.ReadCommandSetAsync(_options.MaxCommandSetLength, abort).ConfigureAwait(false);
        var command = CommandSetCodec.Decode(commandSet);
        if (!_accepted.TryGetValue(contextId, out var context))
        {
            throw new DicomProtocolException(AbortReason.InvalidPduParameterValue,
                $"A DIMSE command arrived on presentation context {contextId}, which was not accepted.");
        }

        switch (command.CommandField)
        {
            case CommandField.CEchoRequest:
                await DrainIfPresentAsync(command, contextId, abort).ConfigureAwait(false);
                var echoStatus = context.AbstractSyntax == DicomNetworkUids.Verification ? DimseStatus.Success : DimseStatus.SopClassNotSupported;
                _statistics.Echo();
                await RespondAsync(contextId, command, echoStatus, abort).ConfigureAwait(false);
                break;
            case CommandField.CStoreRequest:
                await HandleStoreAsync(command, context, abort).ConfigureAwait(false);
                break;
            case CommandField.CCancelRequest:
                // Nothing runs in the background to cancel: every operation completes before the next is read.
                await DrainIfPresentAsync(command, contextId, abort).ConfigureAwait(false);
                break;
            default:
                if (command.CommandField.IsResponse())
                {
                    throw new DicomProtocolException(AbortReason.UnexpectedPduParameter,
                        $"A DIMSE response (command field 0x{(ushort)command.CommandField:X4}) arrived, but this side sent no request.");
                }

                await DrainIfPresentAsync(command, contextId, abort).ConfigureAwait(false);
                _log.Write(DicomLogLevel.Warning, $"{Name}: DIMSE command 0x{(ushort)command.CommandField:X4} is not supported.");
                await RespondAsync(contextId, command, DimseStatus.UnrecognizedOperation, abort).ConfigureAwait(false);
                break;
        }
    }

    private async Task HandleStoreAsync(DimseCommand command, AcceptedPresentationContext context, CancellationToken abort)
    {
        if (!command.HasDataSet)
        {
            await RespondAsync(context.Id, command, DimseStatus.CannotUnderstand.WithComment("C-STORE-RQ without a data set"), abort).ConfigureAwait(false);
            _statistics.Stored(false, 0);
            return;
        }

        var dataSet = new DataSetStream(_pdata, context.Id, abort);
        var final = await _storage.StoreAsync(Name, _context!, command, context, dataSet, abort).ConfigureAwait(false);
        await dataSet.DrainAsync(abort).ConfigureAwait(false);
        _statistics.Stored(final.IsSuccessOrWarning, dataSet.BytesRead);
        if (!final.IsSuccessOrWarning)
        {
            _log.Write(DicomLogLevel.Warning, $"{Name}: C-STORE (message {command.MessageId}) answered {final}.");
        }

        await RespondAsync(context.Id, command, final, abort).ConfigureAwait(false);
    }

    private async Task DrainIfPresentAsync(DimseCommand command, byte contextId, CancellationToken abort)
    {
        if (command.HasDataSet)
        {
            await new DataSetStream(_pdata, contextId, abort).DrainAsync(abort).ConfigureAwait(false);
        }
    }

    private async Task RespondAsync(byte contextId, DimseCommand request, DimseStatus status, CancellationToken abort)
    {
        var response = CommandSetCodec.Encode(request.ToResponse(status));
        await _writer!.WriteCommandAsync(contextId, response, abort).ConfigureAwait(false);
    }

    /// <summary>After A-ASSOCIATE-RJ or A-RELEASE-RP the requestor closes the connection; ARTIM bounds the wait (PS3.8 9.1.4).</summary>
    private async Task WaitForPeerCloseAsync(CancellationToken abort)
    {
        _inactivity.Timeout = _options.ArtimTimeout;
        try
        {
            while (await _reader.ReadHeaderAsync(abort).ConfigureAwait(false) is { } h)
            {
                await _reader.SkipAsync(Math.Min(h.Length, 1024u * 1024u), abort).ConfigureAwait(false);
            }
        }
        catch (DicomNetworkException)
        {
            // Whatever the peer does now, the association is over.
        }
    }

    private async Task TrySendAbortAsync(AbortPdu abort)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _transport.WriteAsync(AssociationPduCodec.EncodeAbort(abort), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
            // The connection is already gone; there is no one left to tell.
        }
    }
}
