using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network;

public sealed class EchoInteropTests
{
    [Fact]
    public async Task Dcmtk_echoscu_gets_a_successful_C_ECHO_and_a_clean_release()
    {
        await using var server = TestServer.Start(new RefusingStoreHandler());

        var result = await DcmtkProcess.RunAsync("echoscu", ["-aec", server.AeTitle, "-aet", "ECHOSCU", "127.0.0.1", server.Port.ToString()],
            TimeSpan.FromSeconds(30));

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(1, server.Server.Statistics.Echoes);
        Assert.Equal(1, server.Server.Statistics.AssociationsAccepted);
        Assert.Equal(0, server.Server.Statistics.AssociationsAborted);
    }

    [Fact]
    public async Task Our_SCU_echoes_our_SCP()
    {
        await using var server = TestServer.Start(new RefusingStoreHandler());

        Assert.True(await server.AnswersEchoAsync());
        Assert.Equal(1, server.Server.Statistics.Echoes);
    }

    /// <summary>A handler for tests that never store: any C-STORE reaching it fails the test.</summary>
    private sealed class RefusingStoreHandler : IDicomStoreHandler
    {
        public ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("No C-STORE expected in this test.");
    }
}
