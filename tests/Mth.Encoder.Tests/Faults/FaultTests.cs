using System.Diagnostics;
using System.Globalization;
using Mth.Contracts.V1;
using Mth.Core.Indexing;
using Mth.Encoder.Tests.Fixtures;
using Mth.Testing.Dicom;
using Mth.Testing.Models;
using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Mth.Encoder.Tests.Faults;

/// <summary>The encoder as a real process against real RabbitMQ and Redis, crashed on purpose.</summary>
[Collection(PipelineCollection.Name)]
public sealed class FaultTests(RabbitMqFixture broker, RedisServerFixture redis, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_encoder_killed_while_it_holds_unacknowledged_messages_leaves_every_instance_encoded_exactly_once()
    {
        await using var world = EncoderWorld.OnSingleNode(broker.AmqpUri, redis);
        await world.PublishModelAsync(new TinyOnnxModel(16, 16, seed: 11), "brain-1");
        var instances = world.StoreInstances(300);
        var settings = world.Settings(new Dictionary<string, string?>
        {
            ["Encoder:BatchSize"] = "4",
            ["Encoder:PrefetchCount"] = "64",
            ["Serilog:MinimumLevel:Default"] = "Information",
        });
        // Every file is in the store before the encoder starts: its start-up rebuild would encode them all. Announce only.
        var first = EncoderProcess.Start(settings, "first");
        await using (first)
        {
            await first.WaitForLogAsync(l => l.Template.StartsWith("Model {ModelVersion} loaded", StringComparison.Ordinal), Bound, "model loaded");
            await Eventually.HoldsAsync(async () => (await world.Jobs.ListAsync()).Count == 0 && await world.CountAsync("brain-1") == 300, Bound, world.DescribeAsync);
            await DropAsync(world, instances.Take(200).ToList()); // as if never encoded: the messages below must do it
            var publishing = world.PublishAsync(instances.Take(200).Select(i => EncoderWorld.Announce(i)));
            await Eventually.HoldsAsync(async () => await world.CountAsync("brain-1") >= 100 + 20, Bound, world.DescribeAsync);
            await first.KillAsync();
            await publishing;
        }

        var atKill = await world.CountAsync("brain-1");
        Assert.True(atKill < 300, $"the first encoder finished everything ({atKill}) before it was killed: nothing was in flight");
        var recovery = Stopwatch.StartNew();
        await using var second = EncoderProcess.Start(settings, "second");
        await Eventually.HoldsAsync(async () => await world.CountAsync("brain-1") == 300 && await world.Queues.CountAsync(world.LiveQueue) == 0, Bound, world.DescribeAsync);
        output.WriteLine($"killed with {atKill}/300 in the index; the second encoder (process start included) completed the rest in {recovery.Elapsed.TotalSeconds:0.0} s");

        var index = (await world.Catalog.OpenVersionAsync("brain-1"))!;
        var ids = new List<string>();
        await foreach (var id in index.EnumerateIdsAsync())
        {
            ids.Add(id);
        }

        Assert.Equal(300, ids.Count);
        Assert.Equal(instances.Select(i => i.SopInstanceUid).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.Equal(300, await world.Instances.CountAsync());
        Assert.Equal(0u, await world.Queues.CountAsync(world.LiveErrorQueue));
    }

    [Fact]
    public async Task A_re_encoding_interrupted_by_a_killed_encoder_continues_where_it_stopped_on_another()
    {
        await using var world = EncoderWorld.OnSingleNode(broker.AmqpUri, redis);
        await world.PublishModelAsync(new TinyOnnxModel(16, 16, seed: 12), "brain-1");
        for (var i = 0; i < 240; i++)
        {
            new SyntheticInstance { Rows = 160, Columns = 160, Seed = i }.WriteToStore(world.Store);
        }

        var settings = world.Settings(new Dictionary<string, string?>
        {
            ["Encoder:ReencodeChunkSize"] = "8",
            ["Encoder:ReencodeChunksPerPlanStep"] = "2",
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Serilog:MinimumLevel:Override:Mth.Encoder.Reencoding"] = "Debug",
        });
        const string ChunkDone = "Chunk {ChunkIndex} of the re-encoding into {ModelVersion} done: {Encoded} encoded, {Skipped} skipped, {Failed} failed";
        int doneAtKill;
        var first = EncoderProcess.Start(settings, "first");
        await using (first)
        {
            // The start-up rebuild fills brain-1 from the store; then the release of brain-2 begins.
            await Eventually.HoldsAsync(async () => (await world.Jobs.ListAsync()).Count == 0 && await world.CountAsync("brain-1") == 240, Bound, world.DescribeAsync);
            var released = await world.PublishModelAsync(new TinyOnnxModel(24, 32, seed: 13), "brain-2");
            await world.PublishAsync([new ModelPublished
            {
                ModelVersion = "brain-2", Location = released.Directory, Sha256 = released.Manifest.Onnx.Sha256,
                Bits = 32, InputSize = 24, PublishedAt = DateTimeOffset.UtcNow,
            }]);
            await first.WaitForLogAsync(l => l.Template == ChunkDone && l.Property("ModelVersion") == "brain-2" && int.Parse(l.Property("ChunkIndex")!, CultureInfo.InvariantCulture) >= 3, Bound, "a few chunks of brain-2");
            await first.KillAsync();
            var job = (await world.Jobs.GetAsync("brain-2"))!;
            doneAtKill = job.DoneCount;
            Assert.True(!job.AllDone, $"the re-encoding finished ({job.DoneCount}/{job.PlannedChunks}) before the kill");
        }

        Assert.Equal("brain-1", await world.Catalog.GetActiveVersionAsync());
        var recovery = Stopwatch.StartNew();
        await using var second = EncoderProcess.Start(settings, "second");
        await Eventually.HoldsAsync(async () => await world.Catalog.GetActiveVersionAsync() == "brain-2", Bound, world.DescribeAsync);
        output.WriteLine($"killed with {doneAtKill}/30 chunks done; the second encoder (process start included) switched to brain-2 after {recovery.Elapsed.TotalSeconds:0.0} s");

        var finished = (await world.Jobs.GetAsync("brain-2"))!;
        var byTheSecond = second.Lines.Count(l => l.Template == ChunkDone && l.Property("ModelVersion") == "brain-2");
        Assert.Equal(240 / 8, finished.PlannedChunks);
        Assert.Equal(finished.PlannedChunks - doneAtKill, byTheSecond);
        Assert.True(doneAtKill > 0);
        Assert.Equal(240, finished.Encoded);
        Assert.Equal(240, await world.CountAsync("brain-2"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_Redis_crash_the_index_survives_with_persistence_and_is_rebuilt_from_the_instance_store_without(bool persistent)
    {
        using var folder = new TemporaryDirectory();
        var port = RedisProcess.FreePort();
        using var server = persistent
            ? RedisProcess.Start(folder.Path, port, "--appendonly", "yes", "--appendfsync", "always")
            : RedisProcess.Start(folder.Path, port);
        await using var connection = await RedisConnections.ConnectAsync([server.EndPoint]);
        await using var world = new EncoderWorld(broker.AmqpUri, connection, server.EndPoint + ",abortConnect=false,connectRetry=20");
        await world.PublishModelAsync(new TinyOnnxModel(16, 16, seed: 14), "brain-1");
        await using var encoder = await EncoderHost.StartAsync(world.Settings(new Dictionary<string, string?> { ["Encoder:RetryLimit"] = "10" }));
        var before = world.StoreInstances(20);
        await world.PublishAsync(before.Select(i => EncoderWorld.Announce(i)));
        await Eventually.HoldsAsync(async () => await world.CountAsync("brain-1") == 20 && (await world.Jobs.ListAsync()).Count == 0, Bound, world.DescribeAsync);

        var outage = Stopwatch.StartNew();
        server.Restart(); // SIGKILL, then the same port and folder

        if (persistent)
        {
            // Everything was on disk: the first look after the restart finds the index as it was.
            await Eventually.HoldsAsync(OnceRedisAnswers(async () => (await connection.GetDatabase().PingAsync()) >= TimeSpan.Zero), Bound, "Redis answers again");
            Assert.Equal("brain-1", await world.Catalog.GetActiveVersionAsync());
            Assert.Equal(20, await world.CountAsync("brain-1"));
            Assert.Equal(20, await world.Instances.CountAsync());
            output.WriteLine($"AOF: index intact {outage.Elapsed.TotalSeconds:0.0} s after the kill");
        }
        else
        {
            // Empty after the restart: the encoders notice that no version is active and rebuild it from the files.
            await Eventually.HoldsAsync(OnceRedisAnswers(async () => await world.CountAsync("brain-1") == 20 && await world.Instances.CountAsync() == 20), Bound, world.DescribeAsync);
            output.WriteLine($"no persistence: index rebuilt from the instance store {outage.Elapsed.TotalSeconds:0.0} s after the kill (supervisor interval 1 s)");
        }

        var after = world.StoreInstances(10, seed: 100);
        await world.PublishAsync(after.Select(i => EncoderWorld.Announce(i)));
        await Eventually.HoldsAsync(async () => await world.CountAsync("brain-1") == 30, Bound, world.DescribeAsync);
        output.WriteLine($"10 instances announced after the restart searchable {outage.Elapsed.TotalSeconds:0.0} s after the kill");
        Assert.Equal("brain-1", await world.Catalog.GetActiveVersionAsync());
        Assert.Equal(30, await world.Instances.CountAsync());
        var index = (await world.Catalog.OpenActiveAsync())!;
        foreach (var instance in before.Concat(after))
        {
            // Searchable again: a search by the instance's own code finds it at distance 0.
            var code = await index.GetCodeAsync(instance.SopInstanceUid);
            Assert.NotNull(code);
            var nearest = await index.SearchNearestAsync(code, 30);
            Assert.Equal(30, nearest.Count);
            Assert.Contains(nearest, n => n.Id == instance.SopInstanceUid && n.Distance == 0);
        }
    }

    /// <summary>Until the client has noticed the restart, a command may still go to the dead socket: that means "not yet".</summary>
    private static Func<Task<bool>> OnceRedisAnswers(Func<Task<bool>> condition) => async () =>
    {
        try
        {
            return await condition();
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    };

    private static async Task DropAsync(EncoderWorld world, IReadOnlyList<SyntheticInstance> instances)
    {
        var index = (await world.Catalog.OpenVersionAsync("brain-1"))!;
        foreach (var instance in instances)
        {
            await index.DeleteAsync(instance.SopInstanceUid);
            await world.Instances.DeleteAsync(instance.SopInstanceUid);
        }
    }
}
