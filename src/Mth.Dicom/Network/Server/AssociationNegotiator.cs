using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Network.Server;

/// <summary>
/// Decides on an A-ASSOCIATE-RQ: whether to reject it (and why, in the standard's terms) and,
/// if not, the answer to each proposed presentation context.
/// </summary>
internal sealed class AssociationNegotiator
{
    private readonly DicomServerOptions _options;
    private readonly HashSet<string> _abstractSyntaxes;
    private readonly Dictionary<string, TransferSyntax> _transferSyntaxes;

    public AssociationNegotiator(DicomServerOptions options)
    {
        _options = options;
        _abstractSyntaxes = new HashSet<string>(options.StorageSopClasses, StringComparer.Ordinal);
        if (options.AcceptVerification)
        {
            _abstractSyntaxes.Add(DicomNetworkUids.Verification);
        }

        _transferSyntaxes = options.TransferSyntaxes.ToDictionary(ts => ts.Uid, StringComparer.Ordinal);
    }

    /// <summary>The rejection an association gets regardless of its presentation contexts, or null to go on.</summary>
    public AssociateReject? CheckAdmission(AssociateRequest request)
    {
        if ((request.ProtocolVersion & 0x0001) == 0)
        {
            return AssociateReject.ProtocolVersionNotSupported;
        }

        if (request.ApplicationContextName != AssociateRequest.DicomApplicationContext)
        {
            return AssociateReject.ApplicationContextNotSupported;
        }

        if (!_options.AcceptAnyCalledAeTitle && !string.Equals(request.CalledAeTitle, _options.AeTitle.Trim(' '), StringComparison.Ordinal))
        {
            return AssociateReject.CalledAeTitleNotRecognized;
        }

        if (_options.AllowedCallingAeTitles.Count > 0 && !_options.AllowedCallingAeTitles.Contains(request.CallingAeTitle))
        {
            return AssociateReject.CallingAeTitleNotRecognized;
        }

        return null;
    }

    /// <summary>Answers every proposed context; the accepted ones are returned with their agreed transfer syntax.</summary>
    public (AssociateAccept Accept, IReadOnlyDictionary<byte, AcceptedPresentationContext> Accepted) Negotiate(AssociateRequest request)
    {
        var responses = new List<PresentationContextResponse>(request.PresentationContexts.Count);
        var accepted = new Dictionary<byte, AcceptedPresentationContext>();
        foreach (var proposal in request.PresentationContexts)
        {
            if (!_abstractSyntaxes.Contains(proposal.AbstractSyntax))
            {
                responses.Add(new PresentationContextResponse(proposal.Id, PresentationContextResult.AbstractSyntaxNotSupported, TransferSyntax.ImplicitVRLittleEndian.Uid));
                continue;
            }

            // The proposer lists transfer syntaxes in its order of preference; honour it.
            TransferSyntax? chosen = null;
            foreach (var uid in proposal.TransferSyntaxes)
            {
                if (_transferSyntaxes.TryGetValue(uid, out var ts))
                {
                    chosen = ts;
                    break;
                }
            }

            if (chosen is null)
            {
                responses.Add(new PresentationContextResponse(proposal.Id, PresentationContextResult.TransferSyntaxesNotSupported, TransferSyntax.ImplicitVRLittleEndian.Uid));
                continue;
            }

            responses.Add(new PresentationContextResponse(proposal.Id, PresentationContextResult.Acceptance, chosen.Uid));
            accepted[proposal.Id] = new AcceptedPresentationContext(proposal.Id, proposal.AbstractSyntax, chosen);
        }

        var userInformation = new UserInformation(_options.MaxPduLength, _options.ImplementationClassUid, _options.ImplementationVersionName);
        var accept = new AssociateAccept(request.CalledAeTitle, request.CallingAeTitle, responses, userInformation);
        return (accept, accepted);
    }
}
