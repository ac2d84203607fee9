using Mth.Contracts.V1;
using Mth.Testing.Dicom;
using Mth.Testing.RabbitMq;

namespace Mth.Ingest.Tests;

/// <summary>StudyReceived: once per quiet period (2 s in these tests), also across a restart of Ingest.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class StudyReceivedTests : IAsyncLifetime
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);
    private readonly RabbitMqFixture _broker;
    private readonly TemporaryDirectory _work = new();
    private readonly string _prefix = RabbitMqFixture.UniquePrefix();
    private BusMessageRecorder _recorder = null!;

    public StudyReceivedTests(RabbitMqFixture broker)
    {
        _broker = broker;
    }

    private string Root => _work.File("store");

    public async Task InitializeAsync() =>
        _recorder = await BusMessageRecorder.StartAsync(_broker.AmqpUri, _prefix, r => r.Record<InstanceStored>().Record<StudyReceived>());

    public async Task DisposeAsync()
    {
        await _recorder.DisposeAsync();
        _work.Dispose();
    }

    [Fact]
    public async Task A_study_is_announced_once_after_it_has_been_quiet_for_the_period_and_after_its_instance_events()
    {
        await using var ingest = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, _prefix);
        var study = await TestStudy.CreateAsync(_work, 3);

        await StoreScu.SendAsync(ingest.DicomPort, study.Instances.Take(2).Select(i => i.Path));
        await StoreScu.SendAsync(ingest.DicomPort, study.Instances.Skip(2).Select(i => i.Path));

        var announced = Assert.Single(await _recorder.WaitForAsync<StudyReceived>(r => r.Count >= 1, TimeSpan.FromSeconds(20)));
        Assert.True(announced.ReceivedAt >= announced.Message.LastStoredAt + QuietPeriod, "announced before the study was quiet");
        Assert.Equal(study.StudyInstanceUid, announced.Message.StudyInstanceUid);
        Assert.Equal(3, announced.Message.InstanceCount);
        var instances = _recorder.Received<InstanceStored>();
        Assert.Equal(3, instances.Count);
        Assert.Equal(instances.Min(e => e.Message.StoredAt), announced.Message.FirstStoredAt);
        Assert.Equal(instances.Max(e => e.Message.StoredAt), announced.Message.LastStoredAt);
        Assert.All(instances, e => Assert.True(e.ReceivedAt <= announced.ReceivedAt));

        await Task.Delay(QuietPeriod * 2);
        Assert.Single(_recorder.Received<StudyReceived>());
    }

    [Fact]
    public async Task Instances_within_the_quiet_period_extend_it_and_instances_after_the_announcement_open_a_new_one()
    {
        // A longer period, so that a slow storescu start on a loaded machine cannot make a gap of a whole period.
        await using var ingest = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, _prefix,
            new Dictionary<string, string?> { ["Ingest:StudyQuietPeriod"] = "00:00:04" });
        var study = await TestStudy.CreateAsync(_work, 4);

        for (var i = 0; i < 3; i++)
        {
            // Each arrives before the study has been quiet for the period.
            await StoreScu.SendAsync(ingest.DicomPort, [study.Instances[i].Path]);
            Assert.Empty(_recorder.Received<StudyReceived>());
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var first = Assert.Single(await _recorder.WaitForAsync<StudyReceived>(r => r.Count >= 1, TimeSpan.FromSeconds(20)));
        Assert.Equal(3, first.Message.InstanceCount);

        await StoreScu.SendAsync(ingest.DicomPort, [study.Instances[3].Path]);
        var both = await _recorder.WaitForAsync<StudyReceived>(r => r.Count >= 2, TimeSpan.FromSeconds(20));
        Assert.Equal(4, both[1].Message.InstanceCount);
        Assert.True(both[1].Message.FirstStoredAt > first.Message.LastStoredAt);
    }

    [Fact]
    public async Task A_study_still_open_when_ingest_stops_is_announced_once_after_restart_and_an_announced_one_is_not_announced_again()
    {
        var announcedBefore = await TestStudy.CreateAsync(_work, 1);
        var openAtStop = await TestStudy.CreateAsync(_work, 2);
        var settings = new Dictionary<string, string?> { ["Ingest:StudyQuietPeriod"] = "00:00:04" };
        await using (var first = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, _prefix, settings))
        {
            await StoreScu.SendAsync(first.DicomPort, [announcedBefore.Instances[0].Path]);
            await _recorder.WaitForAsync<StudyReceived>(r => r.Count >= 1, TimeSpan.FromSeconds(20));
            await StoreScu.SendAsync(first.DicomPort, openAtStop.Instances.Select(i => i.Path));
            await _recorder.WaitForAsync<InstanceStored>(r => r.Count >= 3, TimeSpan.FromSeconds(20));
        }

        Assert.Single(_recorder.Received<StudyReceived>());
        await using var second = await IngestTestHost.StartAsync(Root, _broker.AmqpUri, _prefix, settings);

        var announced = await _recorder.WaitForAsync<StudyReceived>(r => r.Count >= 2, TimeSpan.FromSeconds(20));
        Assert.Equal(openAtStop.StudyInstanceUid, announced[1].Message.StudyInstanceUid);
        Assert.Equal(2, announced[1].Message.InstanceCount);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(2, _recorder.Received<StudyReceived>().Count);
    }
}
