using Mth.Testing.Dicom;
using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;
using StackExchange.Redis;

namespace Mth.Standalone.Tests;

[CollectionDefinition(Name)]
public sealed class ServicesCollection : ICollectionFixture<RabbitMqFixture>, ICollectionFixture<RedisServerFixture>, ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "standalone-services";
}

/// <summary>The same program in production mode: RabbitMQ and Redis, chosen by environment variables alone.</summary>
[Collection(ServicesCollection.Name)]
public sealed class ProductionModeTests(RabbitMqFixture broker, RedisServerFixture redis, RedisClusterFixture cluster) : IDisposable
{
    private readonly TemporaryDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Configured_by_environment_variables_only_it_runs_on_RabbitMQ_and_Redis_answers_after_a_C_STORE_and_reindex_rebuilds_a_lost_Redis_and_fills_a_new_Redis_Cluster()
    {
        var prefix = RedisServerFixture.UniquePrefix();
        var key = "production-key-" + Guid.NewGuid().ToString("N");
        var data = _work.File("data");
        var environment = new Dictionary<string, string>
        {
            ["Standalone__DataFolder"] = data,
            ["Messaging__Transport"] = "RabbitMq",
            ["Messaging__RabbitMqUri"] = broker.AmqpUri,
            ["Messaging__EndpointPrefix"] = prefix,
            ["Index__Provider"] = "Redis",
            ["Index__Redis__Configuration"] = redis.EndPoint,
            ["Index__Redis__KeyPrefix"] = prefix,
            ["Query__ApiKeys__0"] = key,
        };
        var images = SearchProbe.Write(_work.File("images"), 4, firstSeed: 40);
        await using var process = StandaloneProcess.Run(dataFolder: null, environment);
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var banner = await process.WaitForStderrAsync("MTH Search is running", TimeSpan.FromSeconds(10));
        Assert.Contains("bus RabbitMq, index Redis", banner, StringComparison.Ordinal);

        await SearchProbe.PushAsync(process, images.Select(i => i.Path));
        using var http = SearchProbe.Client(process, key);
        var uids = images.Select(i => i.Instance.SopInstanceUid).ToList();
        var answers = await SearchProbe.AnswersAsync(http, uids, TimeSpan.FromSeconds(30), process);
        Assert.All(answers.Values, a => Assert.Equal(3, a.Results.Count));

        // The codes are in Redis under the deployment's prefix; nothing embedded was made, no key generated.
        var server = redis.Connection.GetServers().First(s => !s.IsReplica);
        Assert.NotEmpty(server.Keys(pattern: new RedisValue("{" + prefix + ":*"), pageSize: 100).Take(1));
        Assert.False(Directory.Exists(Path.Combine(data, "index")), "no embedded index in production mode");
        Assert.False(File.Exists(Path.Combine(data, "api-key")), "no generated key when one is configured");
        Assert.True(File.Exists(Path.Combine(data, "instances", images[0].Instance.StorageKey)), "instances stored in the data folder");
        Assert.Equal(0, await process.StopAsync());

        // Redis loses everything of this deployment; the instance store remains. Reindex, configured the same way, rebuilds it.
        foreach (var redisKey in server.Keys(pattern: new RedisValue("{" + prefix + ":*"), pageSize: 1000).ToList())
        {
            await redis.Connection.GetDatabase().KeyDeleteAsync(redisKey);
        }

        var reindex = await StandaloneProcess.ReindexAsync([], environment, TimeSpan.FromSeconds(120));
        Assert.True(reindex.ExitCode == 0, reindex.Stderr + reindex.Stdout);
        Assert.Contains($"{images.Count} encoded, 0 skipped (no image), 0 failed; active index version: mth-brain-48b-s64-v2", reindex.Stderr, StringComparison.Ordinal);

        await using var restarted = StandaloneProcess.Run(dataFolder: null, environment);
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var again = SearchProbe.Client(restarted, key);
        SearchProbe.AssertSameAnswers(answers, await SearchProbe.AnswersAsync(again, uids, TimeSpan.FromSeconds(5), restarted));
        Assert.Equal(0, await restarted.StopAsync());

        // Moving to a new Redis Cluster: reindex with its seeds, then run on it.
        var onCluster = new Dictionary<string, string>(environment) { ["Index__Redis__Configuration"] = string.Join(',', cluster.EndPoints) };
        var filled = await StandaloneProcess.ReindexAsync([], onCluster, TimeSpan.FromSeconds(120));
        Assert.True(filled.ExitCode == 0, filled.Stderr + filled.Stdout);
        Assert.Contains($"{images.Count} encoded, 0 skipped (no image), 0 failed", filled.Stderr, StringComparison.Ordinal);
        await using var moved = StandaloneProcess.Run(dataFolder: null, onCluster);
        await moved.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var clustered = SearchProbe.Client(moved, key);
        SearchProbe.AssertSameAnswers(answers, await SearchProbe.AnswersAsync(clustered, uids, TimeSpan.FromSeconds(5), moved));
        Assert.Equal(0, await moved.StopAsync());
    }
}
