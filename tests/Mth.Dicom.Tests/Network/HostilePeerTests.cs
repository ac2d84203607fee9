using System.Buffers.Binary;
using System.Text;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network;

/// <summary>
/// Peers that break the protocol. Each gets a clear log line and an A-ABORT (or a closed
/// connection), nothing is half-stored, and the server goes on serving the next association.
/// </summary>
[Collection(AllocationMeasurementCollection.Name)]
public sealed class HostilePeerTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TemporaryDirectory _received = new();
    private readonly TemporaryDirectory _files = new();

    public void Dispose()
    {
        _received.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task Garbage_instead_of_a_PDU_is_aborted_as_an_unrecognized_PDU()
    {
        await using var server = await StartAsync();
        await using var peer = await RawPeer.ConnectAsync(server.Port);

        await peer.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: pacs\r\n\r\n"));

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);
        Assert.Equal(AbortSource.ServiceProvider, abort.Source);
        Assert.Equal(AbortReason.UnrecognizedPdu, abort.Reason);
        Assert.True(server.Log.Contains("unknown PDU type 0x47"), server.Log.ToString());
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task An_association_request_claiming_4_GB_is_aborted_without_allocating_it()
    {
        await using var server = await StartAsync();
        await using var peer = await RawPeer.ConnectAsync(server.Port);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        await peer.SendAsync(new byte[] { 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00 });

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);
        Assert.Equal(AbortReason.InvalidPduParameterValue, abort.Reason);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64L << 20, "the announced length was allocated");
        Assert.True(server.Log.Contains("announces 4294967295 bytes"), server.Log.ToString());
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task A_data_transfer_claiming_4_GB_on_an_association_is_aborted()
    {
        await using var server = await StartAsync();
        await using var peer = await RawPeer.ConnectAsync(server.Port);
        await peer.AssociateAsync(server.AeTitle);

        await peer.SendAsync(new byte[] { 0x04, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x10, 0x01, 0x03 });

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);
        Assert.Equal(AbortReason.InvalidPduParameterValue, abort.Reason);
        Assert.True(server.Log.Contains("exceeds the maximum PDU length"), server.Log.ToString());
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task A_PDV_longer_than_its_PDU_is_aborted()
    {
        await using var server = await StartAsync();
        await using var peer = await RawPeer.ConnectAsync(server.Port);
        await peer.AssociateAsync(server.AeTitle);
        var pdu = RawPeer.EchoRequest(1);
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(6), 5000);

        await peer.SendAsync(pdu);

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);
        Assert.Equal(AbortReason.InvalidPduParameterValue, abort.Reason);
        Assert.True(server.Log.Contains("PDV item length 5000 does not fit"), server.Log.ToString());
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task An_unknown_PDU_type_on_an_association_is_aborted_as_unrecognized()
    {
        await using var server = await StartAsync();
        await using var peer = await RawPeer.ConnectAsync(server.Port);
        await peer.AssociateAsync(server.AeTitle);

        await peer.SendAsync(new byte[] { 0x09, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00 });

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);
        Assert.Equal(AbortReason.UnrecognizedPdu, abort.Reason);
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task Data_before_an_association_is_aborted_as_an_unexpected_PDU()
    {
        await using var server = await StartAsync();
        await using var peer = await RawPeer.ConnectAsync(server.Port);

        await peer.SendAsync(RawPeer.EchoRequest(1));

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);
        Assert.Equal(AbortReason.UnexpectedPdu, abort.Reason);
        Assert.True(server.Log.Contains("before an A-ASSOCIATE-RQ"), server.Log.ToString());
        Assert.Equal(0, server.Server.Statistics.Echoes);
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task A_peer_that_never_sends_an_association_request_is_aborted_when_ARTIM_expires()
    {
        await using var server = await StartAsync(o => o.With(artimTimeout: TimeSpan.FromMilliseconds(300)));
        await using var peer = await RawPeer.ConnectAsync(server.Port);

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);

        Assert.Equal(AbortSource.ServiceProvider, abort.Source);
        Assert.True(server.Log.Contains("sent nothing for 0.3 s"), server.Log.ToString());
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task An_association_silent_past_the_idle_timeout_is_aborted()
    {
        await using var server = await StartAsync(o => o.With(idleTimeout: TimeSpan.FromMilliseconds(300)));
        await using var peer = await RawPeer.ConnectAsync(server.Port);
        await peer.AssociateAsync(server.AeTitle);

        var abort = await peer.ExpectAbortThenCloseAsync(Wait);

        Assert.Equal(AbortSource.ServiceProvider, abort.Source);
        Assert.True(server.Log.Contains("sent nothing for 0.3 s"), server.Log.ToString());
    }

    [Fact]
    public async Task A_peer_that_stops_in_the_middle_of_a_PDU_is_dropped_and_logged()
    {
        await using var server = await StartAsync();
        var request = AssociationPduCodec.EncodeRequest(new AssociateRequest(server.AeTitle, "HALF", [new PresentationContextProposal(1, Mth.Dicom.Network.DicomNetworkUids.Verification, ["1.2.840.10008.1.2"])],
            new UserInformation(16384, "1.2.3", null)));

        await using (var peer = await RawPeer.ConnectAsync(server.Port))
        {
            await peer.SendAsync(request.AsMemory(0, request.Length / 2));
        }

        await WaitUntilAsync(() => server.Log.Contains("in the middle of a PDU"));
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task A_peer_that_stops_in_the_middle_of_a_data_set_leaves_nothing_stored()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 256, Columns = 256 });
        var dataSet = DataSetBytes(instance.Path);
        await using var server = await StartAsync();
        await using (var peer = await RawPeer.ConnectAsync(server.Port))
        {
            await peer.AssociateAsync(server.AeTitle);
            var command = CommandSetCodec.Encode(DimseCommand.StoreRequest(1, instance.SopClassUid, instance.SopInstanceUid));
            await peer.SendAsync(RawPeer.DataTransfer(3, true, true, command));
            await peer.SendAsync(RawPeer.DataTransfer(3, false, false, dataSet.AsSpan(0, dataSet.Length / 2)));
            await Task.Delay(200);
        }

        await WaitUntilAsync(() => server.Log.Contains("closed the connection"));
        Assert.False(File.Exists(Path.Combine(_received.Path, instance.SopInstanceUid + ".dcm")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_received.Path, ".incoming")));
        Assert.Equal(0, server.Server.Statistics.InstancesStored);
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task A_peer_that_aborts_in_the_middle_of_a_data_set_leaves_nothing_stored()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 256, Columns = 256 });
        var dataSet = DataSetBytes(instance.Path);
        await using var server = await StartAsync();
        await using var peer = await RawPeer.ConnectAsync(server.Port);
        await peer.AssociateAsync(server.AeTitle);
        var command = CommandSetCodec.Encode(DimseCommand.StoreRequest(1, instance.SopClassUid, instance.SopInstanceUid));
        await peer.SendAsync(RawPeer.DataTransfer(3, true, true, command));
        await peer.SendAsync(RawPeer.DataTransfer(3, false, false, dataSet.AsSpan(0, dataSet.Length / 2)));

        await peer.SendAsync(AssociationPduCodec.EncodeAbort(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified)));

        Assert.True(await peer.IsClosedByServerAsync(Wait));
        await WaitUntilAsync(() => server.Log.Contains("The peer aborted the association"));
        Assert.False(File.Exists(Path.Combine(_received.Path, instance.SopInstanceUid + ".dcm")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_received.Path, ".incoming")));
        Assert.True(await server.AnswersEchoAsync());
    }

    [Fact]
    public async Task The_association_cap_rejects_the_next_association_as_transient_local_limit_exceeded()
    {
        await using var server = await StartAsync(o => o.With(maxAssociations: 1));
        await using var holder = await RawPeer.ConnectAsync(server.Port);
        await holder.AssociateAsync(server.AeTitle);

        var refused = await DcmtkProcess.RunAsync("echoscu", ["-aec", server.AeTitle, "127.0.0.1", server.Port.ToString()], Wait);
        await holder.SendAsync(AssociationPduCodec.EncodeReleaseRequest());
        var (released, _) = await holder.ReadPduAsync(Wait);

        Assert.False(refused.Succeeded);
        Assert.Contains("Local Limit Exceeded", refused.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(PduType.ReleaseResponse, released);
        await WaitUntilAsync(() => server.Server.ActiveAssociations == 0);
        Assert.True(await server.AnswersEchoAsync());
    }

    private async Task<TestServer> StartAsync(Func<Mth.Dicom.Network.Server.DicomServerOptions, Mth.Dicom.Network.Server.DicomServerOptions>? configure = null)
    {
        var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        await Task.CompletedTask;
        return TestServer.Start(store, configure);
    }

    internal static byte[] DataSetBytes(string path)
    {
        using var file = File.OpenRead(path);
        Mth.Dicom.IO.DicomFileMetaInformation.Read(file);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "the condition did not become true within 10 s");
    }
}
