using System.ComponentModel.DataAnnotations;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Dicom.Network;
using Mth.Dicom.Network.Server;

namespace Mth.Ingest;

/// <summary>
/// The DICOM service (configuration section <c>Ingest</c>). The network options are those of
/// <see cref="DicomServerOptions"/> (same names, same defaults); the rest says how instances and
/// their events are kept. Every value is checked at start.
/// </summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    private static readonly DicomServerOptions NetworkDefaults = new();

    /// <summary>Our AE title: the called AE title an association must name.</summary>
    [Required]
    public string AeTitle { get; set; } = NetworkDefaults.AeTitle;

    /// <summary>TCP port of the DICOM listener (0: any free port, for tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 11112;

    /// <summary>Address the listener binds (0.0.0.0: every IPv4 interface; :: every interface).</summary>
    [Required]
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Accept any called AE title instead of requiring <see cref="AeTitle"/>.</summary>
    public bool AcceptAnyCalledAeTitle { get; set; } = NetworkDefaults.AcceptAnyCalledAeTitle;

    /// <summary>Calling AE titles allowed to associate; empty allows every caller.</summary>
    public string[] AllowedCallingAeTitles { get; set; } = [];

    /// <summary>Storage SOP class UIDs accepted; empty accepts every image storage class (docs/dicom-conformance.md, section 4).</summary>
    public string[] StorageSopClasses { get; set; } = [];

    /// <summary>Accept C-ECHO.</summary>
    public bool AcceptVerification { get; set; } = NetworkDefaults.AcceptVerification;

    /// <summary>Transfer syntax UIDs accepted; empty accepts those the rendering layer decodes.</summary>
    public string[] TransferSyntaxes { get; set; } = [];

    public uint MaxPduLength { get; set; } = NetworkDefaults.MaxPduLength;

    public uint MaxSendPduLength { get; set; } = NetworkDefaults.MaxSendPduLength;

    public uint MaxAssociateRequestLength { get; set; } = NetworkDefaults.MaxAssociateRequestLength;

    public int MaxCommandSetLength { get; set; } = NetworkDefaults.MaxCommandSetLength;

    public int MaxAssociations { get; set; } = NetworkDefaults.MaxAssociations;

    public TimeSpan ArtimTimeout { get; set; } = NetworkDefaults.ArtimTimeout;

    public TimeSpan IdleTimeout { get; set; } = NetworkDefaults.IdleTimeout;

    public TimeSpan ShutdownGracePeriod { get; set; } = NetworkDefaults.ShutdownGracePeriod;

    /// <summary>
    /// Validate each data set while it streams. When off, Ingest still validates what it wrote
    /// before keeping it: it files instances by the UIDs inside the data set.
    /// </summary>
    public bool ValidateDataSets { get; set; } = NetworkDefaults.ValidateDataSets;

    public int MaxSequenceDepth { get; set; } = NetworkDefaults.ReaderOptions.MaxSequenceDepth;

    public long MaxElementCount { get; set; } = NetworkDefaults.ReaderOptions.MaxElementCount;

    public bool AcceptOddLengths { get; set; } = NetworkDefaults.ReaderOptions.AcceptOddLengths;

    /// <summary>Bytes gathered from the network before each write to a file.</summary>
    [Range(4096, 64 * 1024 * 1024)]
    public int WriteBufferSize { get; set; } = 256 * 1024;

    /// <summary>A study is announced (StudyReceived) once no instance of it arrived for this long.</summary>
    public TimeSpan StudyQuietPeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Where the outbox and the study activity live; default <c>&lt;InstanceStore:Root&gt;/.ingest</c>.</summary>
    public string? StateFolder { get; set; }

    public OutboxOptions Outbox { get; set; } = new();

    public DicomReaderOptions ReaderOptions() => new()
    {
        MaxSequenceDepth = MaxSequenceDepth,
        MaxElementCount = MaxElementCount,
        AcceptOddLengths = AcceptOddLengths,
    };

    /// <summary>The listener's options; throws <see cref="ArgumentException"/> or <see cref="FormatException"/> naming what is wrong.</summary>
    public DicomServerOptions ToServerOptions()
    {
        var options = new DicomServerOptions
        {
            AeTitle = AeTitle,
            AcceptAnyCalledAeTitle = AcceptAnyCalledAeTitle,
            AllowedCallingAeTitles = new HashSet<string>(AllowedCallingAeTitles.Select(t => t.Trim(' ')), StringComparer.Ordinal),
            StorageSopClasses = StorageSopClasses.Length == 0 ? Mth.Dicom.Network.StorageSopClasses.Images : StorageSopClasses,
            AcceptVerification = AcceptVerification,
            TransferSyntaxes = TransferSyntaxes.Length == 0 ? DicomServerOptions.DefaultTransferSyntaxes : TransferSyntaxes.Select(ParseTransferSyntax).ToList(),
            MaxPduLength = MaxPduLength,
            MaxSendPduLength = MaxSendPduLength,
            MaxAssociateRequestLength = MaxAssociateRequestLength,
            MaxCommandSetLength = MaxCommandSetLength,
            MaxAssociations = MaxAssociations,
            ArtimTimeout = ArtimTimeout,
            IdleTimeout = IdleTimeout,
            ShutdownGracePeriod = ShutdownGracePeriod,
            ValidateDataSets = ValidateDataSets,
            ReaderOptions = ReaderOptions(),
        };
        options.Validate();
        return options;
    }

    private static TransferSyntax ParseTransferSyntax(string uid)
    {
        var syntax = TransferSyntax.Lookup(DicomUid.Validate(uid.Trim(), "Transfer syntax UID"));
        if (!syntax.IsKnown)
        {
            throw new ArgumentException($"Transfer syntax {uid} is not one this implementation knows.");
        }

        return syntax;
    }
}

/// <summary>The durable event outbox (configuration section <c>Ingest:Outbox</c>).</summary>
public sealed class OutboxOptions
{
    /// <summary>Events waiting for the broker beyond which C-STORE answers 0xA700 (out of resources) so modalities retry later.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPendingEvents { get; set; } = 1_000_000;

    /// <summary>How long one publish may wait for the broker's confirm before it is retried.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait between retries while the broker is unreachable (the wait doubles from 200 ms up to this).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Readiness fails when events are pending and none was confirmed for this long.</summary>
    public TimeSpan StallThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often confirmed events are removed (after the study activity is saved).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Publish InstanceStored as mandatory: an event no queue is bound for (no encoder ever
    /// started) is returned by the broker and stays in the outbox instead of being dropped.
    /// </summary>
    public bool RequireInstanceStoredRoute { get; set; } = true;

    /// <summary>On stop, how long the dispatcher may go on delivering pending events.</summary>
    public TimeSpan DrainOnStop { get; set; } = TimeSpan.FromSeconds(5);
}
