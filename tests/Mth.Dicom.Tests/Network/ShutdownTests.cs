using Mth.Dicom.Network;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network;

public sealed class ShutdownTests : IDisposable
{
    private readonly TemporaryDirectory _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Stopping_aborts_idle_associations_and_closes_the_port()
    {
        var server = TestServer.Start(new GatedHandler());
        var port = server.Port;
        await using var peer = await RawPeer.ConnectAsync(port);
        await peer.AssociateAsync(server.AeTitle);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        var abort = await peer.ExpectAbortThenCloseAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(AbortSource.ServiceUser, abort.Source);
        await Assert.ThrowsAsync<DicomNetworkException>(() => DicomClientAssociation.ConnectAsync("127.0.0.1", port,
            [new PresentationContextProposal(1, DicomNetworkUids.Verification, [TransferSyntax.ImplicitVRLittleEndian.Uid])],
            new DicomClientOptions { CalledAeTitle = "MTH_TEST", ConnectTimeout = TimeSpan.FromSeconds(2) }));
    }

    [Fact]
    public async Task Stopping_lets_a_store_in_progress_finish_and_answer_before_the_association_ends()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec());
        var handler = new GatedHandler();
        var server = TestServer.Start(handler, o => o.With(shutdownGracePeriod: TimeSpan.FromSeconds(20)));
        var association = await DicomClientAssociation.ConnectAsync("127.0.0.1", server.Port,
            [new PresentationContextProposal(1, instance.SopClassUid, [instance.TransferSyntaxUid])],
            new DicomClientOptions { CalledAeTitle = server.AeTitle });

        var store = association.StoreAsync(association.AcceptedContexts[0], instance.SopClassUid, instance.SopInstanceUid,
            new MemoryStream(HostilePeerTests.DataSetBytes(instance.Path)));
        await handler.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stop = server.DisposeAsync().AsTask();
        await Task.Delay(200);
        Assert.False(stop.IsCompleted, "the server stopped while a store was in progress");
        handler.Release.SetResult();

        var status = await store.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(status.IsSuccess);
        await association.DisposeAsync();
    }

    /// <summary>Reads the data set, then waits for the test to let it answer.</summary>
    private sealed class GatedHandler : IDicomStoreHandler
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
        {
            await dataSet.CopyToAsync(Stream.Null, cancellationToken);
            Entered.SetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return DimseStatus.Success;
        }
    }
}
