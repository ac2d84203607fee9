using StackExchange.Redis;

namespace Mth.Testing.Redis;

/// <summary>
/// The key space of one test on a shared server: a unique prefix, whose keys are all removed on dispose (the
/// servers outlive the tests and are never flushed).
/// </summary>
public sealed class RedisTestPrefix(IConnectionMultiplexer connection) : IAsyncDisposable
{
    public IConnectionMultiplexer Connection { get; } = connection ?? throw new ArgumentNullException(nameof(connection));

    public string Prefix { get; } = RedisServerFixture.UniquePrefix();

    /// <summary>Every key under the prefix, on every primary.</summary>
    public Task<List<string>> KeysAsync() => RedisTestKeys.KeysAsync(Connection, Prefix);

    public async ValueTask DisposeAsync() => await RedisTestKeys.DeleteAsync(Connection, Prefix);
}
