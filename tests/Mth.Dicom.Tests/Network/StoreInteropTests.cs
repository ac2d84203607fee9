using Mth.Dicom.Network.Storage;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network;

/// <summary>dcmtk's storescu and dcmsend storing into our SCP, which writes Part 10 files.</summary>
public sealed class StoreInteropTests : IDisposable
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(90);
    private readonly TemporaryDirectory _files = new();
    private readonly TemporaryDirectory _received = new();

    public void Dispose()
    {
        _files.Dispose();
        _received.Dispose();
    }

    [Theory]
    [InlineData(TestEncoding.ExplicitVRLittleEndian, "")]
    [InlineData(TestEncoding.ImplicitVRLittleEndian, "-xi")]
    [InlineData(TestEncoding.ExplicitVRBigEndian, "-xb")]
    [InlineData(TestEncoding.DeflatedExplicitVRLittleEndian, "-xd")]
    [InlineData(TestEncoding.RleLossless, "-xr")]
    public async Task Storescu_stores_one_instance_and_the_data_set_arrives_equal(TestEncoding encoding, string proposal)
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Encoding = encoding });
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        await using var server = TestServer.Start(store);

        string[] options = proposal.Length > 0 ? [proposal] : [];
        var result = await DcmtkProcess.RunAsync("storescu", [.. options, "-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), instance.Path], PeerTimeout);

        Assert.True(result.Succeeded, result + "\n" + server.Log);
        await store.WhenPlacedAsync();
        var stored = store.PathFor(instance.SopInstanceUid);
        Assert.True(File.Exists(stored), "the instance was not stored\n" + server.Log);
        Assert.Equal(Dcmtk.DumpDataSet(instance.Path), Dcmtk.DumpDataSet(stored));
        Assert.Equal(instance.TransferSyntaxUid, ReadTransferSyntax(stored));
        Assert.Equal(1, server.Server.Statistics.InstancesStored);
        AssertNoPartialFiles();
    }

    [Fact]
    public async Task Storescu_stores_100_instances_on_one_association()
    {
        var template = await DicomTestInstances.CreateAsync(_files, new TestImageSpec());
        var instances = DicomTestInstances.Clone(template, Path.Combine(_files.Path, "hundred"), 100);
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        await using var server = TestServer.Start(store);

        var result = await DcmtkProcess.RunAsync("storescu",
            ["-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), .. instances.Select(i => i.Path)], PeerTimeout);

        Assert.True(result.Succeeded, result + "\n" + server.Log);
        Assert.Equal(1, server.Server.Statistics.AssociationsAccepted);
        Assert.Equal(100, server.Server.Statistics.InstancesStored);
        await store.WhenPlacedAsync();
        Assert.All(instances, i => Assert.True(File.Exists(store.PathFor(i.SopInstanceUid))));
        Assert.Equal(Dcmtk.DumpDataSet(instances[^1].Path), Dcmtk.DumpDataSet(store.PathFor(instances[^1].SopInstanceUid)));
        AssertNoPartialFiles();
    }

    [Theory]
    [InlineData(DurabilityMode.FsyncEachInstance)]
    [InlineData(DurabilityMode.GroupCommit)]
    public async Task Eight_concurrent_storescu_associations_all_store(DurabilityMode durability)
    {
        var template = await DicomTestInstances.CreateAsync(_files, new TestImageSpec());
        var perPeer = Enumerable.Range(0, 8)
            .Select(p => DicomTestInstances.Clone(template, Path.Combine(_files.Path, "peer" + p), 10))
            .ToList();
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path, Durability = durability });
        await using var server = TestServer.Start(store);

        var results = await Task.WhenAll(perPeer.Select(instances => DcmtkProcess.RunAsync("storescu",
            ["-aec", server.AeTitle, "-aet", "PEER", "127.0.0.1", server.Port.ToString(), .. instances.Select(i => i.Path)], PeerTimeout)));

        Assert.All(results, r => Assert.True(r.Succeeded, r + "\n" + server.Log));
        Assert.Equal(8, server.Server.Statistics.AssociationsAccepted);
        Assert.Equal(80, server.Server.Statistics.InstancesStored);
        Assert.All(perPeer.SelectMany(p => p), i => Assert.True(File.Exists(store.PathFor(i.SopInstanceUid))));
        AssertNoPartialFiles();
    }

    [Fact]
    public async Task Dcmsend_stores_one_instance_and_the_data_set_arrives_equal()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Rows = 128, Columns = 128 });
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        await using var server = TestServer.Start(store);

        var result = await DcmtkProcess.RunAsync("dcmsend", ["-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), instance.Path], PeerTimeout);

        Assert.True(result.Succeeded, result + "\n" + server.Log);
        await store.WhenPlacedAsync();
        Assert.Equal(Dcmtk.DumpDataSet(instance.Path), Dcmtk.DumpDataSet(store.PathFor(instance.SopInstanceUid)));
    }

    [Fact]
    public async Task A_calling_AE_title_outside_the_allow_list_is_rejected_and_nothing_is_stored()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec());
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        await using var server = TestServer.Start(store, o => o.With(allowedCallingAeTitles: ["MODALITY1"]));

        var refused = await DcmtkProcess.RunAsync("storescu",
            ["-aet", "INTRUDER", "-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), instance.Path], PeerTimeout);
        var allowed = await DcmtkProcess.RunAsync("storescu",
            ["-aet", "MODALITY1", "-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), instance.Path], PeerTimeout);

        Assert.False(refused.Succeeded);
        Assert.Contains("Calling AE Title Not Recognized", refused.Output, StringComparison.OrdinalIgnoreCase);
        Assert.True(server.Log.Contains("calling AE title not recognized"), server.Log.ToString());
        Assert.True(allowed.Succeeded, allowed.ToString());
        Assert.Equal(1, server.Server.Statistics.AssociationsRejected);
        Assert.Equal(1, server.Server.Statistics.InstancesStored);
    }

    [Fact]
    public async Task A_wrong_called_AE_title_is_rejected_as_called_AE_not_recognized()
    {
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        await using var server = TestServer.Start(store);

        var result = await DcmtkProcess.RunAsync("echoscu", ["-aec", "SOMEONE_ELSE", "127.0.0.1", server.Port.ToString()], PeerTimeout);

        Assert.False(result.Succeeded);
        Assert.Contains("Called AE Title Not Recognized", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_transfer_syntax_we_do_not_accept_gets_its_presentation_context_refused()
    {
        var instance = await DicomTestInstances.CreateAsync(_files, new TestImageSpec { Encoding = TestEncoding.JpegLossless });
        var profile = Path.Combine(_files.Path, "jpeg-only.cfg");
        await File.WriteAllTextAsync(profile, $"""
            [[TransferSyntaxes]]
            [JpegOnly]
            TransferSyntax1 = {instance.TransferSyntaxUid}

            [[PresentationContexts]]
            [CTJpeg]
            PresentationContext1 = {instance.SopClassUid}\JpegOnly

            [[Profiles]]
            [OnlyJpeg]
            PresentationContexts = CTJpeg
            """);
        await using var store = new FileSystemInstanceStore(new FileSystemInstanceStoreOptions { RootDirectory = _received.Path });
        await using var server = TestServer.Start(store);

        var result = await DcmtkProcess.RunAsync("storescu",
            ["-xf", profile, "OnlyJpeg", "-aec", server.AeTitle, "127.0.0.1", server.Port.ToString(), instance.Path], PeerTimeout);

        Assert.False(result.Succeeded, result.ToString());
        Assert.Contains("No Acceptable Presentation Contexts", result.Output, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(store.PathFor(instance.SopInstanceUid)));
        Assert.Equal(0, server.Server.Statistics.InstancesStored);
        Assert.True(server.Log.Contains("accepted 0 of 1 presentation contexts", DicomLogLevelAny), server.Log.ToString());
    }

    private const Mth.Dicom.Network.DicomLogLevel DicomLogLevelAny = Mth.Dicom.Network.DicomLogLevel.Debug;

    private void AssertNoPartialFiles() =>
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_received.Path, ".incoming")));

    private static string ReadTransferSyntax(string path)
    {
        using var file = File.OpenRead(path);
        return Mth.Dicom.IO.DicomFileMetaInformation.Read(file)!.TransferSyntaxUid;
    }
}
