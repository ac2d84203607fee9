using System.Net;
using Mth.Dicom.Network;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Tests.Network;

/// <summary>Our SCP on an ephemeral loopback port, with a recording log, for one test.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(DicomServer server, RecordingLog log, IDicomStoreHandler handler)
    {
        Server = server;
        Log = log;
        Handler = handler;
    }

    public DicomServer Server { get; }

    public RecordingLog Log { get; }

    public IDicomStoreHandler Handler { get; }

    public int Port => Server.LocalEndPoint!.Port;

    public string AeTitle => "MTH_TEST";

    public static TestServer Start(IDicomStoreHandler handler, Func<DicomServerOptions, DicomServerOptions>? configure = null)
    {
        var options = new DicomServerOptions { AeTitle = "MTH_TEST" };
        options = configure?.Invoke(options) ?? options;
        var log = new RecordingLog();
        var server = new DicomServer(options, handler, log);
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return new TestServer(server, log, handler);
    }

    /// <summary>Proves the server still serves: a fresh association, a C-ECHO, a release.</summary>
    public async Task<bool> AnswersEchoAsync()
    {
        var contexts = new[] { new PresentationContextProposal(1, DicomNetworkUids.Verification, [TransferSyntax.ImplicitVRLittleEndian.Uid]) };
        await using var association = await DicomClientAssociation.ConnectAsync("127.0.0.1", Port, contexts,
            new DicomClientOptions { CalledAeTitle = AeTitle, CallingAeTitle = "PROBE" });
        var status = await association.EchoAsync();
        await association.ReleaseAsync();
        return status.IsSuccess;
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Option tweaks tests use, applied to a copy.</summary>
internal static class DicomServerOptionsExtensions
{
    public static DicomServerOptions With(this DicomServerOptions options, IEnumerable<string>? allowedCallingAeTitles = null,
        int? maxAssociations = null, TimeSpan? artimTimeout = null, TimeSpan? idleTimeout = null, TimeSpan? shutdownGracePeriod = null) => new()
    {
        AeTitle = options.AeTitle,
        AcceptAnyCalledAeTitle = options.AcceptAnyCalledAeTitle,
        AllowedCallingAeTitles = allowedCallingAeTitles is null ? options.AllowedCallingAeTitles : new HashSet<string>(allowedCallingAeTitles, StringComparer.Ordinal),
        StorageSopClasses = options.StorageSopClasses,
        AcceptVerification = options.AcceptVerification,
        TransferSyntaxes = options.TransferSyntaxes,
        MaxPduLength = options.MaxPduLength,
        MaxSendPduLength = options.MaxSendPduLength,
        MaxAssociateRequestLength = options.MaxAssociateRequestLength,
        MaxCommandSetLength = options.MaxCommandSetLength,
        MaxAssociations = maxAssociations ?? options.MaxAssociations,
        ArtimTimeout = artimTimeout ?? options.ArtimTimeout,
        IdleTimeout = idleTimeout ?? options.IdleTimeout,
        ShutdownGracePeriod = shutdownGracePeriod ?? options.ShutdownGracePeriod,
        ValidateDataSets = options.ValidateDataSets,
        ReaderOptions = options.ReaderOptions,
    };
}
