using Mth.Dicom.Network;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network;

/// <summary>The C-STORE status the SCP answers, and that a refused instance leaves nothing behind while the association goes on.</summary>
public sealed class StoreStatusTests : IDisposable
{
    private readonly TemporaryDirectory _files = new();
    private readonly TemporaryDirectory _received = new();

    public void Dispose()
    {
        _files.Dispose();
        _received.Dispose();
    }

    [Fact]
    public async Task A_data_set_whose_SOP_instance_differs_from_the_command_is_refused_0xA900_and_not_stored()
    {
        var (a, b) = await TwoInstancesAsync();
        await using var store = NewStore();
        await using var server = TestServer.Start(store);
        await using var association = await AssociateAsync(server, TransferSyntax.ExplicitVRLittleEndian);
        var context = association.FindContext(StorageSopClasses.CTImage)!;

        var refused = await association.StoreAsync(context, a.SopClassUid, b.SopInstanceUid, new MemoryStream(HostilePeerTests.DataSetBytes(a.Path)));
        var accepted = await association.StoreAsync(context, b.SopClassUid, b.SopInstanceUid, new MemoryStream(HostilePeerTests.DataSetBytes(b.Path)));

        Assert.Equal(DimseStatus.DataSetDoesNotMatchSopClass, refused);
        Assert.Equal("SOP Instance UID differs from the command", refused.ErrorComment);
        Assert.True(accepted.IsSuccess);
        await store.WhenPlacedAsync();
        Assert.False(File.Exists(store.PathFor(a.SopInstanceUid)));
        Assert.Equal(Dcmtk.DumpDataSet(b.Path), Dcmtk.DumpDataSet(store.PathFor(b.SopInstanceUid)));
        AssertNoPartialFiles();
    }

    [Fact]
    public async Task A_malformed_data_set_is_refused_0xC000_and_not_stored()
    {
        var (a, _) = await TwoInstancesAsync();
        await using var store = NewStore();
        await using var server = TestServer.Start(store);
        await using var association = await AssociateAsync(server, TransferSyntax.ExplicitVRLittleEndian);
        var context = association.FindContext(StorageSopClasses.CTImage)!;
        var truncated = HostilePeerTests.DataSetBytes(a.Path)[..1000];

        var status = await association.StoreAsync(context, a.SopClassUid, a.SopInstanceUid, new MemoryStream(truncated));

        Assert.Equal(DimseStatus.CannotUnderstand, status);
        Assert.False(File.Exists(store.PathFor(a.SopInstanceUid)));
        Assert.True(server.Log.Contains("data set refused"), server.Log.ToString());
        Assert.True((await association.EchoAsync()).IsSuccess);
        AssertNoPartialFiles();
    }

    [Fact]
    public async Task A_deflated_data_set_naming_another_instance_is_refused_after_inflating_and_not_stored()
    {
        var a = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Encoding = TestEncoding.DeflatedExplicitVRLittleEndian });
        await using var store = NewStore();
        await using var server = TestServer.Start(store);
        await using var association = await AssociateAsync(server, TransferSyntax.DeflatedExplicitVRLittleEndian);
        var context = association.FindContext(StorageSopClasses.CTImage)!;
        var other = DicomTestInstances.NewUid();

        var status = await association.StoreAsync(context, a.SopClassUid, other, new MemoryStream(HostilePeerTests.DataSetBytes(a.Path)));

        Assert.Equal(DimseStatus.DataSetDoesNotMatchSopClass, status);
        Assert.False(File.Exists(store.PathFor(other)));
        AssertNoPartialFiles();
    }

    [Fact]
    public async Task A_data_set_of_another_SOP_class_than_its_command_is_refused_0xA900()
    {
        var (a, _) = await TwoInstancesAsync();
        await using var store = NewStore();
        await using var server = TestServer.Start(store);
        await using var association = await AssociateAsync(server, TransferSyntax.ExplicitVRLittleEndian, extraSopClass: StorageSopClasses.MRImage);
        var ctContext = association.FindContext(StorageSopClasses.CTImage)!;
        var mrContext = association.FindContext(StorageSopClasses.MRImage)!;

        var status = await association.StoreAsync(mrContext, StorageSopClasses.MRImage, a.SopInstanceUid, new MemoryStream(HostilePeerTests.DataSetBytes(a.Path)));
        var stored = await association.StoreAsync(ctContext, a.SopClassUid, a.SopInstanceUid, new MemoryStream(HostilePeerTests.DataSetBytes(a.Path)));

        Assert.Equal(DimseStatus.DataSetDoesNotMatchSopClass, status);
        Assert.True(stored.IsSuccess);
    }

    [Fact]
    public async Task A_command_whose_SOP_class_differs_from_its_presentation_context_is_refused_0x0122_and_the_association_goes_on()
    {
        var (a, _) = await TwoInstancesAsync();
        await using var store = NewStore();
        await using var server = TestServer.Start(store);
        await using var peer = await RawPeer.ConnectAsync(server.Port);
        await peer.AssociateAsync(server.AeTitle);
        var command = CommandSetCodec.Encode(DimseCommand.StoreRequest(7, StorageSopClasses.MRImage, a.SopInstanceUid));

        await peer.SendAsync(RawPeer.DataTransfer(3, true, true, command));
        await peer.SendAsync(RawPeer.DataTransfer(3, false, true, HostilePeerTests.DataSetBytes(a.Path)));
        var (type, body) = await peer.ReadPduAsync(TimeSpan.FromSeconds(10));
        await peer.SendAsync(RawPeer.EchoRequest(8));
        var (echoType, echoBody) = await peer.ReadPduAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(PduType.DataTransfer, type);
        var response = CommandSetCodec.Decode(body.AsSpan(6));
        Assert.Equal(CommandField.CStoreResponse, response.CommandField);
        Assert.Equal((ushort)7, response.MessageIdBeingRespondedTo);
        Assert.Equal(DimseStatus.SopClassNotSupported.Code, response.Status);
        Assert.Equal(PduType.DataTransfer, echoType);
        Assert.Equal(DimseStatus.Success.Code, CommandSetCodec.Decode(echoBody.AsSpan(6)).Status);
        Assert.False(File.Exists(store.PathFor(a.SopInstanceUid)));
    }

    [Fact]
    public async Task A_storage_failure_is_answered_out_of_resources_0xA700()
    {
        var (a, _) = await TwoInstancesAsync();
        await using var server = TestServer.Start(new FailingHandler(new IOException("disk full")));
        await using var association = await AssociateAsync(server, TransferSyntax.ExplicitVRLittleEndian);

        var status = await association.StoreAsync(association.FindContext(a.SopClassUid)!, a.SopClassUid, a.SopInstanceUid,
            new MemoryStream(HostilePeerTests.DataSetBytes(a.Path)));

        Assert.Equal(DimseStatus.OutOfResources, status);
        Assert.True(server.Log.Contains("disk full", DicomLogLevel.Error), server.Log.ToString());
        Assert.True((await association.EchoAsync()).IsSuccess);
    }

    [Fact]
    public async Task A_handler_claiming_success_without_reading_the_data_set_is_answered_with_a_failure()
    {
        var (a, _) = await TwoInstancesAsync();
        await using var server = TestServer.Start(new LazyHandler());
        await using var association = await AssociateAsync(server, TransferSyntax.ExplicitVRLittleEndian);

        var status = await association.StoreAsync(association.FindContext(a.SopClassUid)!, a.SopClassUid, a.SopInstanceUid,
            new MemoryStream(HostilePeerTests.DataSetBytes(a.Path)));

        Assert.Equal(DimseStatus.ProcessingFailure, status);
        Assert.True((await association.EchoAsync()).IsSuccess);
    }

    [Fact]
    public async Task The_store_handler_receives_the_association_and_presentation_context()
    {
        var (a, _) = await TwoInstancesAsync();
        var recorder = new RecordingHandler();
        await using var server = TestServer.Start(recorder);
        await using var association = await AssociateAsync(server, TransferSyntax.ExplicitVRLittleEndian);

        var status = await association.StoreAsync(association.FindContext(a.SopClassUid)!, a.SopClassUid, a.SopInstanceUid,
            new MemoryStream(HostilePeerTests.DataSetBytes(a.Path)));

        Assert.True(status.IsSuccess);
        var request = Assert.Single(recorder.Requests);
        Assert.Equal("STATUS_TEST", request.Association.CallingAeTitle);
        Assert.Equal(server.AeTitle, request.Association.CalledAeTitle);
        Assert.NotNull(request.Association.RemoteEndPoint);
        Assert.Equal(TransferSyntax.ExplicitVRLittleEndian, request.TransferSyntax);
        Assert.Equal(a.SopClassUid, request.PresentationContext.AbstractSyntax);
        Assert.Equal(a.SopInstanceUid, request.SopInstanceUid);
        Assert.Equal(HostilePeerTests.DataSetBytes(a.Path).Length, recorder.BytesRead.Single());
    }

    [Fact]
    public async Task An_odd_length_deflated_data_set_travels_in_even_fragments_with_one_trailing_pad_byte()
    {
        var recorder = new RecordingHandler();
        await using var server = TestServer.Start(recorder);
        await using var association = await AssociateAsync(server, TransferSyntax.DeflatedExplicitVRLittleEndian);
        var oddLength = new byte[100_001];
        new Random(5).NextBytes(oddLength);

        var status = await association.StoreAsync(association.FindContext(StorageSopClasses.CTImage)!, StorageSopClasses.CTImage,
            DicomTestInstances.NewUid(), new MemoryStream(oddLength));

        Assert.True(status.IsSuccess);
        Assert.Equal(oddLength.Length + 1, recorder.Received.Single().Length);
        Assert.Equal(oddLength, recorder.Received.Single()[..^1]);
        Assert.Equal(0, recorder.Received.Single()[^1]);
    }

    [Fact]
    public async Task Presentation_contexts_are_refused_with_the_reason_for_each()
    {
        await using var server = TestServer.Start(new LazyHandler());
        var contexts = new[]
        {
            new PresentationContextProposal(1, StorageSopClasses.CTImage, [TransferSyntax.JpegBaseline.Uid]),
            new PresentationContextProposal(3, "1.2.840.10008.5.1.4.1.1.104.1", [TransferSyntax.ExplicitVRLittleEndian.Uid]),
            new PresentationContextProposal(5, StorageSopClasses.CTImage, [TransferSyntax.JpegBaseline.Uid, TransferSyntax.ImplicitVRLittleEndian.Uid]),
        };

        await using var association = await DicomClientAssociation.ConnectAsync("127.0.0.1", server.Port, contexts,
            new DicomClientOptions { CalledAeTitle = server.AeTitle });

        var results = association.Accept.PresentationContexts.ToDictionary(c => c.Id);
        Assert.Equal(PresentationContextResult.TransferSyntaxesNotSupported, results[1].Result);
        Assert.Equal(PresentationContextResult.AbstractSyntaxNotSupported, results[3].Result);
        Assert.Equal(PresentationContextResult.Acceptance, results[5].Result);
        Assert.Equal(TransferSyntax.ImplicitVRLittleEndian.Uid, results[5].TransferSyntax);
        Assert.Equal(Mth.Dicom.DicomImplementation.ClassUid, association.Accept.UserInformation.ImplementationClassUid);
        Assert.Equal(Mth.Dicom.DicomImplementation.VersionName, association.Accept.UserInformation.ImplementationVersionName);
        await association.ReleaseAsync();
    }

    private FileSystemInstanceStore NewStore() => new(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });

    private async Task<(TestInstance A, TestInstance B)> TwoInstancesAsync()
    {
        var template = await DicomTestInstances.CreateAsync(_files, new TestImageSpec());
        var clones = DicomTestInstances.Clone(template, Path.Combine(_files.Path, "pair"), 2);
        return (clones[0], clones[1]);
    }

    private static Task<DicomClientAssociation> AssociateAsync(TestServer server, TransferSyntax syntax, string? extraSopClass = null)
    {
        var contexts = new List<PresentationContextProposal>
        {
            new(1, DicomNetworkUids.Verification, [TransferSyntax.ImplicitVRLittleEndian.Uid]),
            new(3, StorageSopClasses.CTImage, [syntax.Uid]),
        };
        if (extraSopClass is not null)
        {
            contexts.Add(new PresentationContextProposal(5, extraSopClass, [syntax.Uid]));
        }

        return DicomClientAssociation.ConnectAsync("127.0.0.1", server.Port, contexts,
            new DicomClientOptions { CalledAeTitle = server.AeTitle, CallingAeTitle = "STATUS_TEST" });
    }

    private void AssertNoPartialFiles() => Assert.Empty(Directory.EnumerateFiles(Path.Combine(_received.Path, ".incoming")));

    private sealed class FailingHandler(Exception failure) : IDicomStoreHandler
    {
        public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
        {
            await dataSet.ReadAtLeastAsync(new byte[100], 100, throwOnEndOfStream: false, cancellationToken);
            throw failure;
        }
    }

    private sealed class LazyHandler : IDicomStoreHandler
    {
        public ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken) =>
            ValueTask.FromResult(DimseStatus.Success);
    }

    private sealed class RecordingHandler : IDicomStoreHandler
    {
        public List<DicomStoreRequest> Requests { get; } = [];

        public List<long> BytesRead { get; } = [];

        public List<byte[]> Received { get; } = [];

        public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var sink = new MemoryStream();
            await dataSet.CopyToAsync(sink, cancellationToken);
            BytesRead.Add(sink.Length);
            Received.Add(sink.ToArray());
            return DimseStatus.Success;
        }
    }
}
