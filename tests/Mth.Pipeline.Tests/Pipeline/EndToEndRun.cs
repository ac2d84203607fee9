using System.Diagnostics;
using Mth.Pipeline.Tests.Corpus;
using Mth.Pipeline.Tests.Reference;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;
using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Pipeline.Tests.Pipeline;

/// <summary>
/// One push through the whole pipeline, shared by the tests of a class: the services start on one Redis topology,
/// storescu sends the 40 brain MRI fixtures (wrapped as DICOM) and the other kinds in one association, and the run
/// waits until every image answers through the query API. What happened is kept for the tests to judge (a failure
/// here is reported by the tests, with the service logs, rather than thrown).
/// </summary>
public abstract class EndToEndRun : IAsyncLifetime
{
    /// <summary>How long the run waits for images to become searchable before it stops waiting (the tests assert a tighter bound).</summary>
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(120);

    private readonly TemporaryDirectory _work = new();
    private readonly RabbitMqFixture _broker = new();

    public abstract string Topology { get; }

    public PipelineServices Services { get; private set; } = null!;

    public IReadOnlyList<PushedInstance> Pushed { get; private set; } = [];

    public IReadOnlyList<PushedInstance> Brain => [.. Pushed.Where(p => p.Label is not null)];

    public ReferenceRanking Reference { get; private set; } = null!;

    public DcmtkResult Push { get; private set; } = null!;

    /// <summary>From storescu's exit (the last C-STORE response) until the last image answered through the query API.</summary>
    public TimeSpan TimeToSearchable { get; private set; }

    public IReadOnlyList<string> NotSearchable { get; private set; } = [];

    protected abstract Task<(IConnectionMultiplexer Connection, string Configuration)> StartRedisAsync();

    protected abstract Task StopRedisAsync();

    public async Task InitializeAsync()
    {
        await _broker.InitializeAsync();
        var (redis, configuration) = await StartRedisAsync();
        var dicom = Path.Combine(_work.Path, "push");
        Pushed = [.. await BrainMriFixtures.WrapAsDicomAsync(dicom), .. OtherKinds.Write(dicom)];
        Services = await PipelineServices.StartAsync(_work.Path, _broker.AmqpUri, redis, configuration);
        try
        {
            Reference = await ReferenceRanking.EncodeAsync(Services.Model, Pushed);
            Push = await Services.StoreAsync(Pushed.Select(p => p.Path));
            (TimeToSearchable, NotSearchable) = await Services.WaitSearchableAsync(Pushed.Where(p => p.HasImage).Select(p => p.SopInstanceUid), GiveUp);
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException($"The push through the pipeline on {Topology} failed: {exception.Message}\n{Services.LogTails()}", exception);
        }
    }

    public async Task DisposeAsync()
    {
        if (Services is not null)
        {
            await Services.DisposeAsync();
        }

        await StopRedisAsync();
        await _broker.DisposeAsync();
        _work.Dispose();
    }
}

public sealed class SingleNodeRun : EndToEndRun
{
    private readonly RedisServerFixture _redis = new();

    public override string Topology => "single-node Redis";

    protected override async Task<(IConnectionMultiplexer, string)> StartRedisAsync()
    {
        await _redis.InitializeAsync();
        return (_redis.Connection, _redis.EndPoint);
    }

    protected override Task StopRedisAsync() => _redis.DisposeAsync();
}

public sealed class ClusterRun : EndToEndRun
{
    private readonly RedisClusterFixture _cluster = new();

    public override string Topology => "3-master Redis Cluster";

    protected override async Task<(IConnectionMultiplexer, string)> StartRedisAsync()
    {
        await _cluster.InitializeAsync();
        return (_cluster.Connection, string.Join(',', _cluster.EndPoints));
    }

    protected override Task StopRedisAsync() => _cluster.DisposeAsync();
}
