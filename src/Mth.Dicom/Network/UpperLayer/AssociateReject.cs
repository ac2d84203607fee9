namespace Mth.Dicom.Network.UpperLayer;

/// <summary>A-ASSOCIATE-RJ result (PS3.8 table 9-21).</summary>
public enum AssociateRejectResult : byte
{
    RejectedPermanent = 1,
    RejectedTransient = 2,
}

/// <summary>A-ASSOCIATE-RJ source (PS3.8 table 9-21).</summary>
public enum AssociateRejectSource : byte
{
    ServiceUser = 1,
    ServiceProviderAcse = 2,
    ServiceProviderPresentation = 3,
}

/// <summary>
/// An A-ASSOCIATE-RJ PDU. The meaning of <see cref="Reason"/> depends on <see cref="Source"/>,
/// so the standard combinations are offered as named values.
/// </summary>
public readonly record struct AssociateReject(AssociateRejectResult Result, AssociateRejectSource Source, byte Reason)
{
    public static AssociateReject NoReasonGiven { get; } = new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, 1);
    public static AssociateReject ApplicationContextNotSupported { get; } = new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, 2);
    public static AssociateReject CallingAeTitleNotRecognized { get; } = new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, 3);
    public static AssociateReject CalledAeTitleNotRecognized { get; } = new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, 7);
    public static AssociateReject ProtocolVersionNotSupported { get; } = new(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceProviderAcse, 2);
    public static AssociateReject TemporaryCongestion { get; } = new(AssociateRejectResult.RejectedTransient, AssociateRejectSource.ServiceProviderPresentation, 1);
    public static AssociateReject LocalLimitExceeded { get; } = new(AssociateRejectResult.RejectedTransient, AssociateRejectSource.ServiceProviderPresentation, 2);

    /// <summary>The reason in words, as the standard names it.</summary>
    public string Describe()
    {
        var reason = (Source, Reason) switch
        {
            (AssociateRejectSource.ServiceUser, 1) => "no reason given",
            (AssociateRejectSource.ServiceUser, 2) => "application context name not supported",
            (AssociateRejectSource.ServiceUser, 3) => "calling AE title not recognized",
            (AssociateRejectSource.ServiceUser, 7) => "called AE title not recognized",
            (AssociateRejectSource.ServiceProviderAcse, 1) => "no reason given",
            (AssociateRejectSource.ServiceProviderAcse, 2) => "protocol version not supported",
            (AssociateRejectSource.ServiceProviderPresentation, 1) => "temporary congestion",
            (AssociateRejectSource.ServiceProviderPresentation, 2) => "local limit exceeded",
            _ => $"reason {Reason}",
        };
        var result = Result == AssociateRejectResult.RejectedTransient ? "transient" : "permanent";
        return $"{reason} ({result}, source {Source})";
    }

    public override string ToString() => "A-ASSOCIATE-RJ: " + Describe();
}
