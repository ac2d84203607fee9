using System.Diagnostics;
using StackExchange.Redis;
using Xunit;

namespace Mth.Testing.Redis;

/// <summary>
/// A real 3-master Redis Cluster for tests: the one named by MTH_TEST_REDIS_CLUSTER (comma-separated
/// host:port seeds, as ./mth test sets it), else three redis-servers started here and joined with
/// redis-cli --cluster create. Fails clearly when neither is possible.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly List<RedisProcess> _own = [];
    private string? _directory;

    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public IReadOnlyList<string> EndPoints { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var named = Environment.GetEnvironmentVariable("MTH_TEST_REDIS_CLUSTER");
        if (string.IsNullOrWhiteSpace(named))
        {
            _directory = Directory.CreateTempSubdirectory("mth-redis-cluster-").FullName;
            for (var i = 0; i < 3; i++)
            {
                var port = RedisProcess.FreePort();
                var dir = Path.Combine(_directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                _own.Add(RedisProcess.Start(dir, port, "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(dir, "nodes.conf"), "--cluster-node-timeout", "5000"));
            }

            await CreateClusterAsync(_own.Select(p => p.EndPoint).ToList());
            named = string.Join(',', _own.Select(p => p.EndPoint));
        }

        EndPoints = named.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Connection = await RedisConnections.ConnectAsync(EndPoints);
        var primaries = Connection.GetServers().Count(s => s.IsConnected && !s.IsReplica);
        if (primaries < 3)
        {
            throw new InvalidOperationException($"The Redis Cluster at {named} shows {primaries} connected primaries; the tests need 3.");
        }
    }

    private static async Task CreateClusterAsync(List<string> nodes)
    {
        var start = new ProcessStartInfo(RedisProcess.Executable("redis-cli")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--cluster", "create" }.Concat(nodes).Concat(["--cluster-replicas", "0", "--cluster-yes"]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed: {output}{await process.StandardError.ReadToEndAsync()}");
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        await using var probe = await RedisConnections.ConnectAsync([nodes[0]]);
        while (DateTime.UtcNow < deadline)
        {
            var info = (string?)await probe.GetServers()[0].ExecuteAsync("CLUSTER", "INFO");
            if (info?.Contains("cluster_state:ok", StringComparison.Ordinal) == true)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The test Redis Cluster did not reach cluster_state:ok within 20 s.");
    }

    public async Task DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        foreach (var process in _own)
        {
            process.Dispose();
        }

        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
