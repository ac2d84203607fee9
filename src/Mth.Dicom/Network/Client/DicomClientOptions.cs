namespace Mth.Dicom.Network.Client;

/// <summary>How an SCU association is requested and how long it waits.</summary>
public sealed class DicomClientOptions
{
    public string CallingAeTitle { get; init; } = "MTH_SCU";

    public string CalledAeTitle { get; init; } = "ANY-SCP";

    /// <summary>Largest P-DATA-TF PDU we receive, announced to the peer (bytes).</summary>
    public uint MaxPduLength { get; init; } = 256 * 1024;

    /// <summary>Largest PDU we send, whatever the peer allows (bytes).</summary>
    public uint MaxSendPduLength { get; init; } = 256 * 1024;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait for A-ASSOCIATE-AC/RJ and A-RELEASE-RP.</summary>
    public TimeSpan AssociationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a DIMSE exchange may stay silent (a response to a stored instance included).</summary>
    public TimeSpan DimseTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public string ImplementationClassUid { get; init; } = DicomImplementation.ClassUid;

    public string ImplementationVersionName { get; init; } = DicomImplementation.VersionName;

    public void Validate()
    {
        AeTitle.Validate(CallingAeTitle, "Calling AE title");
        AeTitle.Validate(CalledAeTitle, "Called AE title");
        if (MaxPduLength < 4096 || MaxSendPduLength < 4096)
        {
            throw new ArgumentException("PDU lengths must be at least 4 KiB.");
        }

        if (ConnectTimeout <= TimeSpan.Zero || AssociationTimeout <= TimeSpan.Zero || DimseTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Timeouts must be positive.");
        }
    }
}
