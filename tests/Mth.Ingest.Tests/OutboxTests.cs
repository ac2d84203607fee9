using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Mth.Contracts.V1;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Client;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;
using Mth.Ingest.Outbox;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;
using Mth.Testing.RabbitMq;

namespace Mth.Ingest.Tests;

/// <summary>The outbox on disk: what start-up recovers from a crash, events with no consumer queue yet, a full outbox.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class OutboxTests : IDisposable
{
    private readonly RabbitMqFixture _broker;
    private readonly TemporaryDirectory _work = new();
    private readonly string _prefix = RabbitMqFixture.UniquePrefix();

    public OutboxTests(RabbitMqFixture broker)
    {
        _broker = broker;
    }

    private string Root => _work.File("store");

    private string OutboxFolder => Path.Combine(Root, ".ingest", "outbox");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Start_up_delivers_events_whose_instance_is_in_place_and_drops_what_a_crash_left_half_done()
    {
        var study = await TestStudy.CreateAsync(_work, 2);
        var (inPlace, neverMoved) = (study.Instances[0], study.Instances[1]);
        var inPlacePath = Path.Combine(Root, study.StorageKeyOf(inPlace));
        Directory.CreateDirectory(Path.GetDirectoryName(inPlacePath)!);
        File.Copy(inPlace.Path, inPlacePath);
        Directory.CreateDirectory(Path.Combine(Root, ".incoming"));
        File.WriteAllBytes(Path.Combine(Root, ".incoming", "cut-short.part"), [1, 2, 3]);

        // What the crashed run had written: a record per crash point.
        var outbox = new EventOutbox(OutboxFolder, NullLogger<EventOutbox>.Instance);
        outbox.Recover(_ => true);
        var delivered = Write(outbox, StoredEvent(study, inPlace));
        Write(outbox, StoredEvent(study, neverMoved));
        var announcement = Write(outbox, new OutboxRecord
        {
            Sequence = outbox.BeginPreparation(),
            MessageId = Guid.NewGuid(),
            CreatedAt = DateTimeOffset.UtcNow,
            StudyReceived = new StudyReceived { StudyInstanceUid = "1.2.3.4", InstanceCount = 7, FirstStoredAt = DateTimeOffset.UtcNow, LastStoredAt = DateTimeOffset.UtcNow },
        });
        var torn = Path.Combine(OutboxFolder, (announcement.Sequence + 1).ToString("D19", CultureInfo.InvariantCulture) + ".json");
        File.WriteAllText(torn, "{\"sequence\":" + (announcement.Sequence + 1) + ",\"messageId\":\"");

        await using var recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, _prefix, r => r.Record<InstanceStored>().Record<StudyReceived>());
        await using var ingest = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, _prefix);

        var stored = Assert.Single(await recorder.WaitForAsync<InstanceStored>(r => r.Count >= 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(inPlace.SopInstanceUid, stored.Message.SopInstanceUid);
        Assert.Equal(delivered.MessageId, stored.MessageId);
        // The replayed instance event reopened its study, which is announced once quiet (the recovered announcement first).
        var studies = await recorder.WaitForAsync<StudyReceived>(r => r.Count >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal(announcement.MessageId, studies[0].MessageId);
        Assert.Equal(study.StudyInstanceUid, studies[1].Message.StudyInstanceUid);
        Assert.Equal(1, studies[1].Message.InstanceCount);
        Assert.Single(recorder.Received<InstanceStored>());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Root, ".incoming")));
        // The torn record was dropped at start, and the new announcement may take its sequence number (its file
        // name): so the proof is that the outbox drains completely once everything above was delivered.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Directory.EnumerateFiles(OutboxFolder).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Empty(Directory.EnumerateFiles(OutboxFolder));
    }

    [Fact]
    public async Task An_instance_event_no_queue_is_bound_for_waits_in_the_outbox_until_a_consumer_queue_exists()
    {
        var study = await TestStudy.CreateAsync(_work, 1);
        await using var ingest = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, _prefix);

        await StoreScu.SendAsync(ingest.DicomPort, [study.Instances[0].Path]);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, ingest.Dispatcher.PendingCount);
        Assert.Single(Directory.EnumerateFiles(OutboxFolder));

        await using var recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, _prefix, r => r.Record<InstanceStored>());
        var stored = Assert.Single(await recorder.WaitForAsync<InstanceStored>(r => r.Count >= 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(study.Instances[0].SopInstanceUid, stored.Message.SopInstanceUid);
    }

    [Fact]
    public async Task With_the_outbox_at_its_limit_a_c_store_is_refused_with_a700_and_nothing_of_it_is_kept()
    {
        var study = await TestStudy.CreateAsync(_work, 3);
        var unreachable = $"amqp://guest:guest@127.0.0.1:{FreeTcpPort.Next()}/";
        await using var ingest = await IngestTestHost.StartAsync(Root, unreachable, _prefix,
            new Dictionary<string, string?> { ["Ingest:Outbox:MaxPendingEvents"] = "2", ["Ingest:Outbox:DrainOnStop"] = "00:00:00" });
        var sopClass = study.Instances[0].SopClassUid;
        await using var association = await DicomClientAssociation.ConnectAsync("127.0.0.1", ingest.DicomPort,
            [new PresentationContextProposal(1, sopClass, [study.Instances[0].TransferSyntaxUid])], new DicomClientOptions { CalledAeTitle = "MTH" });
        var context = Assert.Single(association.AcceptedContexts);

        var statuses = new List<DimseStatus>();
        foreach (var instance in study.Instances)
        {
            await using var file = File.OpenRead(instance.Path);
            DicomFileMetaInformation.Read(file);
            statuses.Add(await association.StoreAsync(context, sopClass, instance.SopInstanceUid, file));
        }

        await association.ReleaseAsync();
        Assert.Equal([DimseStatus.Success, DimseStatus.Success, DimseStatus.OutOfResources], statuses);
        Assert.False(File.Exists(Path.Combine(Root, study.StorageKeyOf(study.Instances[2]))));
        Assert.Equal(2, Directory.EnumerateFiles(OutboxFolder).Count());
    }

    [Fact]
    public async Task An_unreadable_study_activity_file_is_set_aside_and_ingest_starts_and_stores()
    {
        Directory.CreateDirectory(Path.Combine(Root, ".ingest"));
        File.WriteAllText(Path.Combine(Root, ".ingest", "studies.json"), "{\"studies\": [ {\"studyInst");
        var study = await TestStudy.CreateAsync(_work, 1);
        await using var recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, _prefix, r => r.Record<InstanceStored>());
        await using var ingest = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, _prefix);

        await StoreScu.SendAsync(ingest.DicomPort, [study.Instances[0].Path]);

        Assert.Single(await recorder.WaitForAsync<InstanceStored>(r => r.Count >= 1, TimeSpan.FromSeconds(30)));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(Root, ".ingest"), "studies.json.unreadable-*"));
    }

    private static OutboxRecord StoredEvent(TestStudy study, TestInstance instance) => new()
    {
        Sequence = 0,
        MessageId = Guid.NewGuid(),
        CreatedAt = DateTimeOffset.UtcNow,
        InstanceStored = new InstanceStored
        {
            SopInstanceUid = instance.SopInstanceUid,
            SopClassUid = instance.SopClassUid,
            StudyInstanceUid = study.StudyInstanceUid,
            SeriesInstanceUid = study.SeriesInstanceUid,
            Modality = "CT",
            TransferSyntaxUid = instance.TransferSyntaxUid,
            StorageKey = study.StorageKeyOf(instance),
            SizeBytes = new FileInfo(instance.Path).Length,
            StoredAt = DateTimeOffset.UtcNow,
        },
    };

    private static OutboxRecord Write(EventOutbox outbox, OutboxRecord record)
    {
        var sequenced = record.Sequence == 0 ? record with { Sequence = outbox.BeginPreparation() } : record;
        using var file = outbox.Write(sequenced);
        file.FlushToDisk();
        outbox.EndPreparation(sequenced.Sequence);
        return sequenced;
    }
}
