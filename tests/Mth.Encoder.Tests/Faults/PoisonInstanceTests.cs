using Mth.Contracts.V1;
using Mth.Encoder.Tests.Fixtures;
using Mth.Testing.Dicom;
using Mth.Testing.Models;
using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;

namespace Mth.Encoder.Tests.Faults;

/// <summary>Files that can never be encoded, announced among good ones, on a real broker and Redis.</summary>
[Collection(PipelineCollection.Name)]
public sealed class PoisonInstanceTests(RabbitMqFixture broker, RedisServerFixture redis)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Poison_instances_go_to_the_error_queue_with_the_reason_and_the_rest_of_their_batch_is_encoded()
    {
        await using var world = EncoderWorld.OnSingleNode(broker.AmqpUri, redis);
        await world.PublishModelAsync(new TinyOnnxModel(16, 16, seed: 6), "tiny-a");
        await using var recorder = await BusMessageRecorder.StartAsync(broker.AmqpUri, world.Prefix, r => r.Record<InstanceEncoded>());
        await using var encoder = await EncoderHost.StartAsync(world.Settings(new Dictionary<string, string?> { ["Encoder:BatchWindowMilliseconds"] = "500" }));
        // The store is empty at start, so the start-up build of tiny-a ends at once: from here on only the messages encode.
        await Eventually.HoldsAsync(async () => await world.Catalog.GetActiveVersionAsync() == "tiny-a" && (await world.Jobs.ListAsync()).Count == 0, Bound, world.DescribeAsync);

        var good = world.StoreInstances(10);
        var truncated = new SyntheticInstance();
        var path = truncated.WriteToStore(world.Store);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, 300).ToArray()); // cut inside the data set
        var garbage = new SyntheticInstance();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(world.Store, garbage.StorageKey))!);
        var noise = new byte[4096];
        new Random(7).NextBytes(noise);
        await File.WriteAllBytesAsync(Path.Combine(world.Store, garbage.StorageKey), noise); // not DICOM at all
        var unrenderable = new SyntheticInstance();
        var data = unrenderable.ToDataSet();
        data.SetUInt16(Mth.Dicom.DicomTag.Rows, 64); // the pixel data holds 32 x 32 values: a quarter of the image
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(world.Store, unrenderable.StorageKey))!);
        Mth.Dicom.IO.DicomFile.Create(data, Mth.Dicom.TransferSyntax.ExplicitVRLittleEndian).Save(Path.Combine(world.Store, unrenderable.StorageKey));
        var impostor = world.StoreInstances(1, seed: 50)[0];
        var lying = EncoderWorld.Announce(impostor) with { SopInstanceUid = Mth.Dicom.DicomUid.Generate() };

        await world.PublishAsync([
            .. good.Take(5).Select(i => EncoderWorld.Announce(i)), EncoderWorld.Announce(truncated), EncoderWorld.Announce(garbage),
            EncoderWorld.Announce(unrenderable), lying, .. good.Skip(5).Select(i => EncoderWorld.Announce(i))]);

        await recorder.WaitForAsync<InstanceEncoded>(m => m.Count >= 10, Bound);
        await Eventually.HoldsAsync(async () => await world.Queues.CountAsync(world.LiveErrorQueue) == 4, Bound, world.DescribeAsync);
        var dead = await world.Queues.TakeAllAsync(world.LiveErrorQueue);

        string Reason(string sop) => dead.Single(m => m.Body.Contains(sop, StringComparison.Ordinal)).Headers["MT-Fault-Message"];
        Assert.Contains("Not a readable DICOM file", Reason(truncated.SopInstanceUid), StringComparison.Ordinal);
        Assert.Contains("Not a readable DICOM file", Reason(garbage.SopInstanceUid), StringComparison.Ordinal);
        Assert.Contains("The image cannot be rendered", Reason(unrenderable.SopInstanceUid), StringComparison.Ordinal);
        Assert.Contains("another SOP Instance UID", Reason(lying.SopInstanceUid), StringComparison.Ordinal);
        Assert.All(dead, m => Assert.EndsWith("InstanceRejectedException", m.Headers["MT-Fault-ExceptionType"], StringComparison.Ordinal));
        // Not retried: rejected on the first attempt.
        Assert.All(dead, m => Assert.False(m.Headers.TryGetValue("MT-Fault-RetryCount", out var retries) && retries != "0"));

        var index = (await world.Catalog.OpenVersionAsync("tiny-a"))!;
        var ids = new List<string>();
        await foreach (var id in index.EnumerateIdsAsync())
        {
            ids.Add(id);
        }

        Assert.Equal(good.Select(i => i.SopInstanceUid).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.Equal(10, await world.Instances.CountAsync());
        Assert.All(recorder.Received<InstanceEncoded>(), m => Assert.Null(m.Message.SkippedReason));
    }
}
