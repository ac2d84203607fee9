using System.Globalization;
using Mth.Contracts.V1;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;
using Mth.Testing.RabbitMq;

namespace Mth.Ingest.Tests;

/// <summary>Ingest receiving from dcmtk peers: where instances land, what is announced on a real RabbitMQ, what is refused.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class StoreAndAnnounceTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);
    private readonly RabbitMqFixture _broker;
    private readonly TemporaryDirectory _work = new();
    private BusMessageRecorder _recorder = null!;
    private IngestTestHost _ingest = null!;

    public StoreAndAnnounceTests(RabbitMqFixture broker)
    {
        _broker = broker;
    }

    private string Root => _work.File("store");

    public async Task InitializeAsync()
    {
        var prefix = RabbitMqFixture.UniquePrefix();
        _recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, prefix, r => r.Record<InstanceStored>());
        _ingest = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, prefix);
    }

    public async Task DisposeAsync()
    {
        await _ingest.DisposeAsync();
        await _recorder.DisposeAsync();
        _work.Dispose();
    }

    [Fact]
    public async Task Instances_sent_with_storescu_land_under_study_series_sop_and_each_is_announced_with_its_identity()
    {
        var study = await TestStudy.CreateAsync(_work, 3);

        await StoreScu.SendAsync(_ingest.DicomPort, study.Instances.Select(i => i.Path));

        var events = await _recorder.WaitForAsync<InstanceStored>(r => r.Count >= 3, EventTimeout);
        Assert.Equal(study.Instances.Select(i => i.SopInstanceUid).Order(), events.Select(e => e.Message.SopInstanceUid).Order());
        foreach (var instance in study.Instances)
        {
            var stored = Path.Combine(Root, study.StudyInstanceUid, study.SeriesInstanceUid, instance.SopInstanceUid + ".dcm");
            Assert.True(File.Exists(stored), $"{study.StorageKeyOf(instance)} is not in the store");
            Assert.Equal(Dcmtk.DumpDataSet(instance.Path), Dcmtk.DumpDataSet(stored));

            var announced = Assert.Single(events, e => e.Message.SopInstanceUid == instance.SopInstanceUid);
            var message = announced.Message;
            Assert.Equal(study.StudyInstanceUid, message.StudyInstanceUid);
            Assert.Equal(study.SeriesInstanceUid, message.SeriesInstanceUid);
            Assert.Equal(instance.SopClassUid, message.SopClassUid);
            Assert.Equal("CT", message.Modality);
            Assert.Equal("", message.BodyPartExamined);
            Assert.Equal(study.StorageKeyOf(instance), message.StorageKey);
            Assert.Equal(new FileInfo(stored).Length, message.SizeBytes);
            using (var file = DicomFile.Open(stored))
            {
                Assert.Equal(file.TransferSyntax.Uid, message.TransferSyntaxUid);
            }

            Assert.True(message.HasPixelData);
            Assert.Equal("STORESCU", message.SourceAeTitle);
            Assert.NotNull(announced.MessageId);
            Assert.Equal(announced.MessageId, announced.CorrelationId);
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Root, ".incoming")));
    }

    [Fact]
    public async Task An_instance_sent_with_dcmsend_is_stored_and_announced()
    {
        var study = await TestStudy.CreateAsync(_work, 1);
        var instance = study.Instances[0];

        await DcmtkProcess.RunCheckedAsync("dcmsend", ["-aet", "DCMSEND", "-aec", "MTH", "127.0.0.1", Port, instance.Path], StoreScu.Timeout);

        var announced = Assert.Single(await _recorder.WaitForAsync<InstanceStored>(r => r.Count >= 1, EventTimeout));
        Assert.Equal(instance.SopInstanceUid, announced.Message.SopInstanceUid);
        Assert.Equal("DCMSEND", announced.Message.SourceAeTitle);
        Assert.True(File.Exists(Path.Combine(Root, study.StorageKeyOf(instance))));
    }

    [Fact]
    public async Task Sending_an_instance_again_replaces_its_file_and_announces_it_again()
    {
        var study = await TestStudy.CreateAsync(_work, 1);
        var instance = study.Instances[0];
        await StoreScu.SendAsync(_ingest.DicomPort, [instance.Path]);
        await _recorder.WaitForAsync<InstanceStored>(r => r.Count >= 1, EventTimeout);

        // The same SOP Instance UID with different content, as a modality correcting an instance would send it.
        Dcmtk.RunChecked("dcmodify", "-nb", "-m", "(0020,0013)=42", instance.Path);
        await StoreScu.SendAsync(_ingest.DicomPort, [instance.Path]);

        var events = await _recorder.WaitForAsync<InstanceStored>(r => r.Count >= 2, EventTimeout);
        Assert.All(events, e => Assert.Equal(instance.SopInstanceUid, e.Message.SopInstanceUid));
        Assert.NotEqual(events[0].MessageId, events[1].MessageId);
        var series = Path.Combine(Root, study.StudyInstanceUid, study.SeriesInstanceUid);
        var stored = Assert.Single(Directory.EnumerateFiles(series));
        using var file = DicomFile.Open(stored);
        Assert.Equal("42", file.DataSet.GetString(DicomTag.InstanceNumber));
    }

    [Fact]
    public async Task A_data_set_without_a_study_instance_uid_is_refused_with_a900_and_nothing_is_stored_or_announced()
    {
        var uid = DicomTestInstances.NewUid();
        var path = DicomDumpBuilder.WithSopCommon(TestImageSpec.CTImageStorage, uid)
            .Add("(0008,0060) CS [CT]")
            .Add($"(0020,000e) UI [{DicomTestInstances.NewUid()}]")
            .Write(_work, "no-study.dcm");

        var refused = await StoreScu.RunAsync(_ingest.DicomPort, [path]);

        Assert.False(refused.Succeeded);
        Assert.Contains("DataSetDoesNotMatchSOPClass", refused.Output, StringComparison.Ordinal);
        await AssertNothingKeptButTheNextInstanceAsync();
    }

    [Fact]
    public async Task A_malformed_data_set_is_refused_with_c000_nothing_is_kept_and_the_association_goes_on()
    {
        var study = await TestStudy.CreateAsync(_work, 1);
        var (valid, transferSyntax) = DataSetOf(study.Instances[0].Path);
        var sopClass = study.Instances[0].SopClassUid;
        var contexts = new[] { new PresentationContextProposal(1, sopClass, [transferSyntax.Uid]) };
        await using var association = await DicomClientAssociation.ConnectAsync("127.0.0.1", _ingest.DicomPort, contexts,
            new DicomClientOptions { CalledAeTitle = "MTH" });
        var context = Assert.Single(association.AcceptedContexts);

        // The first element claims 1,000 bytes of value; the data set ends long before.
        var malformed = valid.Take(8).Concat(valid.Skip(8).Take(40)).ToArray();
        BitConverter.TryWriteBytes(malformed.AsSpan(6, 2), (ushort)1000);
        var otherUid = DicomTestInstances.NewUid();
        var refused = await association.StoreAsync(context, sopClass, otherUid, new MemoryStream(malformed));
        Assert.Equal(DimseStatus.CannotUnderstand, refused);

        var accepted = await association.StoreAsync(context, sopClass, study.Instances[0].SopInstanceUid, new MemoryStream(valid));
        Assert.Equal(DimseStatus.Success, accepted);
        await association.ReleaseAsync();

        var announced = Assert.Single(await _recorder.WaitForAsync<InstanceStored>(r => r.Count >= 1, EventTimeout));
        Assert.Equal(study.Instances[0].SopInstanceUid, announced.Message.SopInstanceUid);
        Assert.Single(StoredFiles());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Root, ".incoming")));
    }

    [Fact]
    public async Task A_calling_ae_title_outside_the_configured_list_is_rejected()
    {
        await using var strict = await IngestTestHost.StartAsync(_work.File("strict"), _broker.AmqpUri, RabbitMqFixture.UniquePrefix(),
            new Dictionary<string, string?> { ["Ingest:AeTitle"] = "STRICT", ["Ingest:AllowedCallingAeTitles:0"] = "CT_ROOM_1" });
        var port = strict.DicomPort.ToString(CultureInfo.InvariantCulture);

        var stranger = await DcmtkProcess.RunAsync("echoscu", ["-aet", "STRANGER", "-aec", "STRICT", "127.0.0.1", port], StoreScu.Timeout);
        var allowed = await DcmtkProcess.RunAsync("echoscu", ["-aet", "CT_ROOM_1", "-aec", "STRICT", "127.0.0.1", port], StoreScu.Timeout);
        var wrongCalled = await DcmtkProcess.RunAsync("echoscu", ["-aet", "CT_ROOM_1", "-aec", "MTH", "127.0.0.1", port], StoreScu.Timeout);

        Assert.False(stranger.Succeeded);
        Assert.Contains("Calling AE Title Not Recognized", stranger.Output, StringComparison.OrdinalIgnoreCase);
        Assert.True(allowed.Succeeded, allowed.ToString());
        Assert.False(wrongCalled.Succeeded);
    }

    private string Port => _ingest.DicomPort.ToString(CultureInfo.InvariantCulture);

    private IEnumerable<string> StoredFiles() =>
        Directory.Exists(Root)
            ? Directory.EnumerateFiles(Root, "*.dcm", SearchOption.AllDirectories).Where(f => !Path.GetRelativePath(Root, f).StartsWith('.'))
            : [];

    /// <summary>After a refusal: nothing in the store or the outbox, and the next instance's event is the only one.</summary>
    private async Task AssertNothingKeptButTheNextInstanceAsync()
    {
        Assert.Empty(StoredFiles());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Root, ".incoming")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Root, ".ingest", "outbox")));

        var next = await TestStudy.CreateAsync(_work, 1);
        await StoreScu.SendAsync(_ingest.DicomPort, [next.Instances[0].Path]);
        var announced = Assert.Single(await _recorder.WaitForAsync<InstanceStored>(r => r.Count >= 1, EventTimeout));
        Assert.Equal(next.Instances[0].SopInstanceUid, announced.Message.SopInstanceUid);
        Assert.Single(StoredFiles());
    }

    private static (byte[] DataSet, TransferSyntax TransferSyntax) DataSetOf(string path)
    {
        using var stream = File.OpenRead(path);
        var meta = DicomFileMetaInformation.Read(stream)!;
        using var rest = new MemoryStream();
        stream.CopyTo(rest);
        return (rest.ToArray(), meta.TransferSyntax);
    }
}
