namespace Mth.Dicom.Network.Server;

/// <summary>Policies and limits of the storage and verification SCP. Defaults suit a hospital network; all are checked by <see cref="Validate"/>.</summary>
public sealed class DicomServerOptions
{
    /// <summary>Our AE title: the called AE title an association must name.</summary>
    public string AeTitle { get; init; } = "MTH";

    /// <summary>Accept any called AE title (like dcmtk's storescp) instead of requiring <see cref="AeTitle"/>.</summary>
    public bool AcceptAnyCalledAeTitle { get; init; }

    /// <summary>Calling AE titles allowed to associate; empty allows every caller.</summary>
    public IReadOnlySet<string> AllowedCallingAeTitles { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Storage SOP classes accepted as abstract syntaxes.</summary>
    public IReadOnlyList<string> StorageSopClasses { get; init; } = Network.StorageSopClasses.Images;

    /// <summary>Accept the Verification SOP class (C-ECHO).</summary>
    public bool AcceptVerification { get; init; } = true;

    /// <summary>Transfer syntaxes accepted for storage, in no particular order: the proposer's order decides among them.</summary>
    public IReadOnlyList<TransferSyntax> TransferSyntaxes { get; init; } = DefaultTransferSyntaxes;

    /// <summary>
    /// The transfer syntaxes whose pixel data the rendering layer decodes (native encodings,
    /// deflate, RLE): whatever is accepted can be encoded later.
    /// </summary>
    public static IReadOnlyList<TransferSyntax> DefaultTransferSyntaxes => Imaging.DicomPixelDecoding.DecodableTransferSyntaxes;

    /// <summary>Largest P-DATA-TF PDU we receive, announced to the peer (bytes).</summary>
    public uint MaxPduLength { get; init; } = 256 * 1024;

    /// <summary>Largest PDU we send, whatever the peer allows (bytes).</summary>
    public uint MaxSendPduLength { get; init; } = 256 * 1024;

    /// <summary>Largest A-ASSOCIATE-RQ read; a longer one is aborted before any allocation.</summary>
    public uint MaxAssociateRequestLength { get; init; } = 128 * 1024;

    /// <summary>Largest DIMSE command set accepted.</summary>
    public int MaxCommandSetLength { get; init; } = 64 * 1024;

    /// <summary>Associations served at once; more are rejected as transient (local limit exceeded).</summary>
    public int MaxAssociations { get; init; } = 32;

    /// <summary>ARTIM: how long a new connection may take to send its A-ASSOCIATE-RQ, and how long we wait for the peer to close after a release or rejection.</summary>
    public TimeSpan ArtimTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an established association may stay silent, between or inside messages.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>On stop, how long associations may finish the operation in progress before they are aborted.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Check each C-STORE data set while it streams: well formed, and the SOP Class and Instance
    /// UIDs of the command. A data set that fails is answered 0xC000 or 0xA900 and the handler's
    /// read throws, so nothing of it is kept.
    /// </summary>
    public bool ValidateDataSets { get; init; } = true;

    /// <summary>Limits applied when validating data sets.</summary>
    public Mth.Dicom.IO.DicomReaderOptions ReaderOptions { get; init; } = Mth.Dicom.IO.DicomReaderOptions.Default;

    public string ImplementationClassUid { get; init; } = DicomImplementation.ClassUid;

    public string ImplementationVersionName { get; init; } = DicomImplementation.VersionName;

    public void Validate()
    {
        Network.AeTitle.Validate(AeTitle, "Server AE title");
        foreach (var calling in AllowedCallingAeTitles)
        {
            Network.AeTitle.Validate(calling, "Allowed calling AE title");
        }

        foreach (var sopClass in StorageSopClasses)
        {
            DicomUid.Validate(sopClass, "Storage SOP class UID");
        }

        if (TransferSyntaxes.Count == 0)
        {
            throw new ArgumentException("At least one transfer syntax must be accepted.");
        }

        Require(MaxPduLength is >= 4096 and <= 64 * 1024 * 1024, "MaxPduLength must be between 4 KiB and 64 MiB.");
        Require(MaxSendPduLength is >= 4096 and <= 64 * 1024 * 1024, "MaxSendPduLength must be between 4 KiB and 64 MiB.");
        Require(MaxAssociateRequestLength is >= 1024 and <= 16 * 1024 * 1024, "MaxAssociateRequestLength must be between 1 KiB and 16 MiB.");
        Require(MaxCommandSetLength >= 256, "MaxCommandSetLength must be at least 256 bytes.");
        Require(MaxAssociations >= 1, "MaxAssociations must be at least 1.");
        Require(ArtimTimeout > TimeSpan.Zero && IdleTimeout > TimeSpan.Zero, "Timeouts must be positive.");
        Require(ShutdownGracePeriod >= TimeSpan.Zero, "ShutdownGracePeriod must not be negative.");
        DicomUid.Validate(ImplementationClassUid, "Implementation class UID");
        Require(ImplementationVersionName.Length is >= 1 and <= 16, "ImplementationVersionName must be 1 to 16 characters.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
