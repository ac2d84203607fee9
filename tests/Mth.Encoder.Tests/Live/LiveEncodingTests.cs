using Mth.Contracts.V1;
using Mth.Core.Codes;
using Mth.Encoder.Tests.Fixtures;
using Mth.Encoding.Images;
using Mth.Encoding.Inference;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;
using Mth.Testing.Models;
using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;

namespace Mth.Encoder.Tests.Live;

/// <summary>InstanceStored → code in the active index version and record in the catalog, on a real broker and Redis.</summary>
[Collection(PipelineCollection.Name)]
public sealed class LiveEncodingTests(RabbitMqFixture broker, RedisServerFixture redis, RedisClusterFixture cluster)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("single")]
    [InlineData("cluster")]
    public async Task Every_stored_image_becomes_the_code_an_upload_of_the_same_file_would_get_with_its_record_in_the_catalog(string topology)
    {
        await using var world = topology == "cluster" ? EncoderWorld.OnCluster(broker.AmqpUri, cluster) : EncoderWorld.OnSingleNode(broker.AmqpUri, redis);
        var package = await world.PublishModelAsync(new TinyOnnxModel(16, 24, seed: 3), "tiny-a");
        var instances = world.StoreInstances(40);
        await using var recorder = await BusMessageRecorder.StartAsync(broker.AmqpUri, world.Prefix, r => r.Record<InstanceEncoded>());
        await using var encoder = await EncoderHost.StartAsync(world.Settings());

        await world.PublishAsync(instances.Select(i => EncoderWorld.Announce(i)));
        var encoded = await recorder.WaitForAsync<InstanceEncoded>(m => m.Count >= instances.Count, Bound);

        Assert.Equal("tiny-a", await world.Catalog.GetActiveVersionAsync());
        var index = (await world.Catalog.OpenVersionAsync("tiny-a"))!;
        Assert.Equal(instances.Count, await index.CountAsync());
        using var reference = HashEncoder.Open(package, new HashEncoderOptions { ExecutionProvider = ExecutionProviderPreference.Cpu });
        foreach (var instance in instances)
        {
            var upload = ImageDecoderChain.Default.Decode(await File.ReadAllBytesAsync(Path.Combine(world.Store, instance.StorageKey)));
            var expected = BinaryCode.FromBytes(await reference.EncodeAsync(upload));
            Assert.Equal(expected, await index.GetCodeAsync(instance.SopInstanceUid));
            Assert.Equal(expected.ToHex(), encoded.Single(m => m.Message.SopInstanceUid == instance.SopInstanceUid).Message.Code);
            var record = (await world.Instances.GetAsync(instance.SopInstanceUid))!;
            Assert.Equal((instance.StudyInstanceUid, instance.SeriesInstanceUid, instance.SopClassUid, "MR", "BRAIN", instance.StorageKey),
                (record.StudyInstanceUid, record.SeriesInstanceUid, record.SopClassUid, record.Modality, record.BodyPartExamined, record.StorageKey));
        }

        Assert.All(encoded, m => Assert.Equal("tiny-a", m.Message.ModelVersion));
        Assert.Equal(0u, await world.Queues.CountAsync(world.LiveErrorQueue));
    }

    [Fact]
    public async Task A_redelivered_instance_changes_nothing()
    {
        await using var world = EncoderWorld.OnSingleNode(broker.AmqpUri, redis);
        await world.PublishModelAsync(new TinyOnnxModel(16, 16, seed: 4), "tiny-a");
        var instances = world.StoreInstances(12);
        await using var recorder = await BusMessageRecorder.StartAsync(broker.AmqpUri, world.Prefix, r => r.Record<InstanceEncoded>());
        await using var encoder = await EncoderHost.StartAsync(world.Settings());

        await world.PublishAsync(instances.Select(i => EncoderWorld.Announce(i)));
        await recorder.WaitForAsync<InstanceEncoded>(m => m.Count >= 12, Bound);
        var index = (await world.Catalog.OpenVersionAsync("tiny-a"))!;
        var before = new Dictionary<string, BinaryCode?>();
        foreach (var instance in instances)
        {
            before[instance.SopInstanceUid] = await index.GetCodeAsync(instance.SopInstanceUid);
        }

        await world.PublishAsync(instances.Select(i => EncoderWorld.Announce(i)));
        await recorder.WaitForAsync<InstanceEncoded>(m => m.Count >= 24, Bound);

        Assert.Equal(12, await index.CountAsync());
        Assert.Equal(12, await world.Instances.CountAsync());
        var ids = new List<string>();
        await foreach (var id in index.EnumerateIdsAsync())
        {
            ids.Add(id);
        }

        Assert.Equal(instances.Select(i => i.SopInstanceUid).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        foreach (var instance in instances)
        {
            Assert.Equal(before[instance.SopInstanceUid], await index.GetCodeAsync(instance.SopInstanceUid));
        }
    }

    [Fact]
    public async Task Objects_without_an_image_are_skipped_with_the_reason_not_retried_and_not_dead_lettered()
    {
        await using var world = EncoderWorld.OnSingleNode(broker.AmqpUri, redis);
        await world.PublishModelAsync(new TinyOnnxModel(16, 16, seed: 5), "tiny-a");
        var images = world.StoreInstances(3);
        var report = new SyntheticInstance { SopClassUid = SyntheticInstance.BasicTextSR, Modality = "SR", WithPixelData = false };
        report.WriteToStore(world.Store);
        var ecg = new SyntheticInstance { SopClassUid = "1.2.840.10008.5.1.4.1.1.9.1.1", Modality = "ECG", WithPixelData = false };
        ecg.WriteToStore(world.Store);
        using var dicom = new TemporaryDirectory();
        var jpeg = await DicomTestInstances.CreateAsync(dicom, new TestImageSpec { Encoding = TestEncoding.JpegLossless });
        var compressed = await MoveIntoStoreAsync(world, jpeg);

        await using var recorder = await BusMessageRecorder.StartAsync(broker.AmqpUri, world.Prefix, r => r.Record<InstanceEncoded>());
        await using var encoder = await EncoderHost.StartAsync(world.Settings());
        await world.PublishAsync([.. images.Select(i => EncoderWorld.Announce(i)), EncoderWorld.Announce(report), EncoderWorld.Announce(ecg, hasPixelData: false), compressed]);
        var messages = await recorder.WaitForAsync<InstanceEncoded>(m => m.Count >= 6, Bound);

        string? Reason(string sop) => messages.Single(m => m.Message.SopInstanceUid == sop).Message.SkippedReason;
        Assert.Contains("no pixel data", Reason(report.SopInstanceUid), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("no pixel data", Reason(ecg.SopInstanceUid), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("transfer syntax", Reason(compressed.SopInstanceUid), StringComparison.OrdinalIgnoreCase);
        Assert.All(images, i => Assert.Null(Reason(i.SopInstanceUid)));
        Assert.Equal(3, await world.CountAsync("tiny-a"));
        Assert.Equal(3, await world.Instances.CountAsync());
        await Task.Delay(TimeSpan.FromSeconds(2)); // a retried skip would arrive again within the retry intervals
        Assert.Equal(6, recorder.Received<InstanceEncoded>().Count);
        Assert.Equal(0u, await world.Queues.CountAsync(world.LiveErrorQueue));
    }

    private static async Task<InstanceStored> MoveIntoStoreAsync(EncoderWorld world, TestInstance instance)
    {
        using var file = await Mth.Dicom.IO.DicomFile.OpenAsync(instance.Path);
        var study = file.DataSet.GetUid(Mth.Dicom.DicomTag.StudyInstanceUID)!;
        var series = file.DataSet.GetUid(Mth.Dicom.DicomTag.SeriesInstanceUID)!;
        var key = $"{study}/{series}/{instance.SopInstanceUid}.dcm";
        Directory.CreateDirectory(Path.Combine(world.Store, study, series));
        File.Copy(instance.Path, Path.Combine(world.Store, key));
        return new InstanceStored
        {
            SopInstanceUid = instance.SopInstanceUid,
            SopClassUid = instance.SopClassUid,
            StudyInstanceUid = study,
            SeriesInstanceUid = series,
            TransferSyntaxUid = instance.TransferSyntaxUid,
            StorageKey = key,
            SizeBytes = new FileInfo(instance.Path).Length,
            StoredAt = DateTimeOffset.UtcNow,
        };
    }
}
