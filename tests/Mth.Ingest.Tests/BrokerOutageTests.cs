using Microsoft.Extensions.DependencyInjection;
using Mth.Contracts.V1;
using Mth.Ingest.Storage;
using Mth.Testing.Dicom;
using Mth.Testing.RabbitMq;

namespace Mth.Ingest.Tests;

/// <summary>RabbitMQ goes away while modalities push: Ingest keeps acknowledging, and loses nothing it acknowledged.</summary>
public sealed class BrokerOutageTests : IAsyncLifetime
{
    private const int Batches = 10;
    private const int PerBatch = 5;
    private const int BatchesBeforeOutage = 3;
    private readonly TemporaryDirectory _work = new();
    private DedicatedRabbitMqBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await DedicatedRabbitMqBroker.StartAsync();

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _work.Dispose();
    }

    [Fact]
    public async Task RabbitMQ_stopped_during_a_push_loses_nothing_acknowledged_and_every_event_arrives_after_it_returns()
    {
        var prefix = RabbitMqFixture.UniquePrefix();
        var study = await TestStudy.CreateAsync(_work, Batches * PerBatch);
        var root = _work.File("store");
        // A durable queue: what the broker confirmed before it died is still there when it returns.
        await using var recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, prefix, r => r.Record<InstanceStored>(), durableQueue: true);
        await using var ingest = await IngestTestHost.StartAsync(root, _broker.AmqpUri, prefix,
            new Dictionary<string, string?> { ["Ingest:Outbox:StallThreshold"] = "00:00:02" });
        var store = ingest.Services.GetRequiredService<IngestInstanceStore>();

        // The push: storescu runs one after another, as a modality sending a series; every run that
        // exits 0 had each of its instances acknowledged. It holds after the first batches until the broker
        // is down, so that part of the series is always sent during the outage, however fast the machine.
        using var pushing = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var brokerDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var push = Task.Run(async () =>
        {
            for (var batch = 0; batch < Batches; batch++)
            {
                if (batch == BatchesBeforeOutage)
                {
                    await brokerDown.Task.WaitAsync(pushing.Token);
                }

                await StoreScu.SendAsync(ingest.DicomPort, study.Instances.Skip(batch * PerBatch).Take(PerBatch).Select(i => i.Path));
                await Task.Delay(TimeSpan.FromMilliseconds(300), pushing.Token);
            }
        });

        await WaitUntilAsync(() => Task.FromResult(store.Stored >= BatchesBeforeOutage * PerBatch), TimeSpan.FromSeconds(60));
        await _broker.StopAsync();
        var stoppedAfter = store.Stored;
        brokerDown.SetResult();
        // With the broker away past the stall threshold, readiness must say the outbox does not drain.
        await WaitUntilAsync(async () => !await ingest.IsReadyAsync(), TimeSpan.FromSeconds(20));
        await WaitUntilAsync(() => Task.FromResult(store.Stored >= 35 || push.IsCompleted), TimeSpan.FromSeconds(60));
        var acknowledgedWhileDown = store.Stored - stoppedAfter;
        await _broker.StartAgainAsync();
        await push;

        var events = await recorder.WaitForAsync<InstanceStored>(
            r => r.Select(e => e.Message.SopInstanceUid).Distinct().Count() == study.Instances.Count, TimeSpan.FromSeconds(120));

        Assert.True(stoppedAfter < study.Instances.Count && acknowledgedWhileDown > 0, "the broker was stopped in the middle of the push");
        Assert.Equal(study.Instances.Select(i => i.SopInstanceUid).Order(), events.Select(e => e.Message.SopInstanceUid).Distinct().Order());
        Assert.All(study.Instances, i => Assert.True(File.Exists(Path.Combine(root, study.StorageKeyOf(i))), $"{i.SopInstanceUid} is not in the store"));
        await WaitUntilAsync(async () => ingest.Dispatcher.PendingCount == 0 && await ingest.IsReadyAsync(), TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => Task.FromResult(!Directory.EnumerateFiles(Path.Combine(root, ".ingest", "outbox")).Any()), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Events_waiting_for_an_unreachable_broker_survive_an_ingest_restart_and_are_delivered_when_it_answers()
    {
        var prefix = RabbitMqFixture.UniquePrefix();
        var study = await TestStudy.CreateAsync(_work, 4);
        var root = _work.File("store");
        await using var recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, prefix, r => r.Record<InstanceStored>(), durableQueue: true);
        await _broker.StopAsync();

        await using (var first = await IngestTestHost.StartAsync(root, _broker.AmqpUri, prefix,
            new Dictionary<string, string?> { ["Ingest:Outbox:DrainOnStop"] = "00:00:00.500" }))
        {
            await StoreScu.SendAsync(first.DicomPort, study.Instances.Select(i => i.Path));
            Assert.Equal(4, first.Dispatcher.PendingCount);
        }

        Assert.Equal(4, Directory.EnumerateFiles(Path.Combine(root, ".ingest", "outbox")).Count());
        await _broker.StartAgainAsync();
        await using var second = await IngestTestHost.StartAsync(root, _broker.AmqpUri, prefix);

        var events = await recorder.WaitForAsync<InstanceStored>(r => r.Count >= 4, TimeSpan.FromSeconds(60));
        Assert.Equal(study.Instances.Select(i => i.SopInstanceUid).Order(), events.Select(e => e.Message.SopInstanceUid).Order());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {timeout.TotalSeconds:0} s.");
            await Task.Delay(100);
        }
    }
}
