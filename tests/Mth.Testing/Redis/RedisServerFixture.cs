using StackExchange.Redis;
using Xunit;

namespace Mth.Testing.Redis;

/// <summary>
/// A real single-node Redis for tests: the one named by MTH_TEST_REDIS (host:port, as ./mth test sets it),
/// else a redis-server started here on a free port. Fails clearly when neither is possible.
/// Tests isolate themselves with a unique key prefix (<see cref="UniquePrefix"/>), never by flushing.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisProcess? _own;
    private string? _directory;

    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public string EndPoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var named = Environment.GetEnvironmentVariable("MTH_TEST_REDIS");
        if (string.IsNullOrWhiteSpace(named))
        {
            _directory = Directory.CreateTempSubdirectory("mth-redis-").FullName;
            _own = RedisProcess.Start(_directory, RedisProcess.FreePort());
            named = _own.EndPoint;
        }

        EndPoint = named;
        Connection = await RedisConnections.ConnectAsync([named]);
    }

    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        _own?.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
