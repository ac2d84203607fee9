namespace Mth.Dicom.Network.UpperLayer;

/// <summary>Who aborted an association (PS3.8 table 9-26).</summary>
public enum AbortSource : byte
{
    ServiceUser = 0,
    Reserved = 1,
    ServiceProvider = 2,
}

/// <summary>Why the service provider aborted (PS3.8 table 9-26); meaningful only with <see cref="AbortSource.ServiceProvider"/>.</summary>
public enum AbortReason : byte
{
    NotSpecified = 0,
    UnrecognizedPdu = 1,
    UnexpectedPdu = 2,
    UnrecognizedPduParameter = 4,
    UnexpectedPduParameter = 5,
    InvalidPduParameterValue = 6,
}

/// <summary>An A-ABORT PDU.</summary>
public readonly record struct AbortPdu(AbortSource Source, AbortReason Reason)
{
    public override string ToString() =>
        Source == AbortSource.ServiceProvider ? $"A-ABORT from the service provider: {Reason}" : $"A-ABORT from the {Source}";
}
