namespace Mth.Dicom.Network.UpperLayer;

/// <summary>A presentation context as proposed in an A-ASSOCIATE-RQ: an odd ID, one abstract syntax, one or more transfer syntaxes.</summary>
public sealed record PresentationContextProposal(byte Id, string AbstractSyntax, IReadOnlyList<string> TransferSyntaxes);

/// <summary>The acceptor's answer to one proposed presentation context (PS3.8 table 9-18).</summary>
public enum PresentationContextResult : byte
{
    Acceptance = 0,
    UserRejection = 1,
    NoReason = 2,
    AbstractSyntaxNotSupported = 3,
    TransferSyntaxesNotSupported = 4,
}

/// <summary>A presentation context as answered in an A-ASSOCIATE-AC; <see cref="TransferSyntax"/> is significant only when accepted.</summary>
public sealed record PresentationContextResponse(byte Id, PresentationContextResult Result, string TransferSyntax)
{
    public bool IsAccepted => Result == PresentationContextResult.Acceptance;
}

/// <summary>A presentation context both sides agreed on: what every P-DATA value on its ID means.</summary>
public sealed record AcceptedPresentationContext(byte Id, string AbstractSyntax, TransferSyntax TransferSyntax);
