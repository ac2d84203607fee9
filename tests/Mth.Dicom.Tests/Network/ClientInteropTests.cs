using Mth.Dicom.Network;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network;

/// <summary>Our SCU against dcmtk's storescp.</summary>
public sealed class ClientInteropTests : IDisposable
{
    private readonly TemporaryDirectory _files = new();
    private readonly TemporaryDirectory _received = new();

    public void Dispose()
    {
        _files.Dispose();
        _received.Dispose();
    }

    [Theory]
    [InlineData(TestEncoding.ExplicitVRLittleEndian)]
    [InlineData(TestEncoding.ImplicitVRLittleEndian)]
    [InlineData(TestEncoding.ExplicitVRBigEndian)]
    [InlineData(TestEncoding.DeflatedExplicitVRLittleEndian)]
    [InlineData(TestEncoding.RleLossless)]
    public async Task Our_SCU_stores_into_storescp_in_the_file_s_own_transfer_syntax_and_the_data_set_arrives_equal(TestEncoding encoding)
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Encoding = encoding, Rows = 96, Columns = 80 });
        await using var storescp = await StoreScpPeer.StartAsync(_received.Path);
        var sender = new DicomFileSender(new DicomClientOptions { CalledAeTitle = storescp.AeTitle });

        var results = await sender.SendAsync("127.0.0.1", storescp.Port, [instance.Path]);

        var result = Assert.Single(results);
        Assert.True(result.Succeeded, $"{result.Error}\nstorescp:\n{storescp.Output}");
        var stored = await WaitForFileAsync(instance.SopInstanceUid);
        Assert.Equal(Dcmtk.DumpDataSet(instance.Path), Dcmtk.DumpDataSet(stored));
    }

    [Theory]
    [InlineData(TestEncoding.ExplicitVRLittleEndian)]
    [InlineData(TestEncoding.ExplicitVRBigEndian)]
    [InlineData(TestEncoding.DeflatedExplicitVRLittleEndian)]
    public async Task A_file_whose_transfer_syntax_the_peer_refuses_is_converted_to_implicit_little_endian(TestEncoding encoding)
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Encoding = encoding });
        await using var storescp = await StoreScpPeer.StartAsync(_received.Path, extraArguments: ["+xi"]);
        var sender = new DicomFileSender(new DicomClientOptions { CalledAeTitle = storescp.AeTitle });

        var result = Assert.Single(await sender.SendAsync("127.0.0.1", storescp.Port, [instance.Path]));

        Assert.True(result.Succeeded, $"{result.Error}\nstorescp:\n{storescp.Output}");
        var stored = await WaitForFileAsync(instance.SopInstanceUid);
        Assert.Equal(Dcmtk.DumpDataSet(instance.Path), Dcmtk.DumpDataSet(stored));
        Assert.Contains("Little Endian Implicit", Dcmtk.Run("dcmdump", "-M", stored).StandardOutput);
    }

    [Fact]
    public async Task A_compressed_file_the_peer_refuses_is_reported_not_sent_with_the_reason()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Encoding = TestEncoding.JpegLossless });
        await using var storescp = await StoreScpPeer.StartAsync(_received.Path, extraArguments: ["+xi"]);
        var sender = new DicomFileSender(new DicomClientOptions { CalledAeTitle = storescp.AeTitle });

        var result = Assert.Single(await sender.SendAsync("127.0.0.1", storescp.Port, [instance.Path]));

        Assert.False(result.Succeeded);
        Assert.Contains("compressed pixel data is not converted", result.Error);
    }

    [Fact]
    public async Task Sending_a_folder_stores_every_DICOM_file_and_reports_the_others()
    {
        var template = await DicomTestInstances.CreateAsync(_files, new TestImageSpec());
        var folder = Path.Combine(_files.Path, "study");
        var instances = DicomTestInstances.Clone(template, Path.Combine(folder, "series"), 3);
        await File.WriteAllTextAsync(Path.Combine(folder, "README.txt"), "not DICOM");
        await using var storescp = await StoreScpPeer.StartAsync(_received.Path);
        var sender = new DicomFileSender(new DicomClientOptions { CalledAeTitle = storescp.AeTitle });

        var results = await sender.SendAsync("127.0.0.1", storescp.Port, [folder]);

        Assert.Equal(4, results.Count);
        Assert.Equal(3, results.Count(r => r.Succeeded));
        var refused = Assert.Single(results, r => !r.Succeeded);
        Assert.EndsWith("README.txt", refused.Path);
        Assert.Contains("not a DICOM Part 10 file", refused.Error);
        foreach (var instance in instances)
        {
            await WaitForFileAsync(instance.SopInstanceUid);
        }
    }

    [Fact]
    public async Task Our_SCU_echoes_storescp()
    {
        await using var storescp = await StoreScpPeer.StartAsync(_received.Path);
        var contexts = new[] { new PresentationContextProposal(1, DicomNetworkUids.Verification, [TransferSyntax.ImplicitVRLittleEndian.Uid]) };
        await using var association = await DicomClientAssociation.ConnectAsync("127.0.0.1", storescp.Port, contexts,
            new DicomClientOptions { CalledAeTitle = storescp.AeTitle });

        var status = await association.EchoAsync();
        await association.ReleaseAsync();

        Assert.True(status.IsSuccess);
        Assert.Equal("OFFIS_DCMTK_367", association.Accept.UserInformation.ImplementationVersionName);
    }

    /// <summary>storescp names files after modality and SOP Instance UID and writes them after answering.</summary>
    private async Task<string> WaitForFileAsync(string sopInstanceUid)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var match = Directory.EnumerateFiles(_received.Path).FirstOrDefault(f => Path.GetFileName(f).Contains(sopInstanceUid, StringComparison.Ordinal));
            if (match is not null)
            {
                return match;
            }

            await Task.Delay(50);
        }

        throw new FileNotFoundException($"storescp stored no file for {sopInstanceUid}.");
    }
}
