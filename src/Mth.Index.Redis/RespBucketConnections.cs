using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Mth.Index.Redis;

/// <summary>
/// The <see cref="RespBucketConnection"/>s of one <see cref="RedisIndexCatalog"/>, idle ones kept per endpoint and
/// lent to one search at a time. Endpoints, credentials and the database come from the StackExchange.Redis
/// connection, which stays the source of truth: on a cluster, a shard's endpoint is the primary StackExchange.Redis
/// would send the shard's keys to. A search falls back to StackExchange.Redis whenever this has no connection to
/// give (TLS, a failed connect in the last <see cref="RetryAfterFailure"/>, disposed), so correctness never depends on it.
/// </summary>
internal sealed class RespBucketConnections : IDisposable
{
    /// <summary>How long an endpoint that could not be connected to (or refused the handshake) is left alone.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);

    private const int IdlePerEndPoint = 16;

    private readonly IConnectionMultiplexer _multiplexer;
    private readonly string? _user;
    private readonly string? _password;
    private readonly bool _tls;
    private readonly ConcurrentDictionary<EndPoint, ConcurrentQueue<RespBucketConnection>> _idle = new();
    private readonly ConcurrentDictionary<EndPoint, long> _failedAt = new();
    private volatile bool _disposed;

    private readonly int _blockingWaitMicroseconds;

    public RespBucketConnections(IConnectionMultiplexer multiplexer, int blockingWaitMicroseconds)
    {
        _multiplexer = multiplexer;
        _blockingWaitMicroseconds = blockingWaitMicroseconds;
        var configuration = ConfigurationOptions.Parse(multiplexer.Configuration);
        _user = configuration.User;
        _password = configuration.Password;
        _tls = configuration.Ssl;
        Timeout = TimeSpan.FromMilliseconds(configuration.AsyncTimeout);
    }

    /// <summary>How long a search waits for a shard's replies before it gives the connection up (StackExchange.Redis's async timeout).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Connections given up on (errors, timeouts, closed by the server): each one a shard read again through StackExchange.Redis.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    private long _failures;

    /// <summary>
    /// A connection to the primary that holds <paramref name="key"/>'s slot, or null when none can be had now (the
    /// caller then reads through StackExchange.Redis). Throws only <see cref="OperationCanceledException"/>.
    /// </summary>
    public async ValueTask<RespBucketConnection?> RentAsync(RedisKey key, int database, CancellationToken cancellationToken)
    {
        if (_disposed || _tls)
        {
            return null;
        }

        EndPoint? endPoint;
        try
        {
            endPoint = _multiplexer.GetServer(key).EndPoint;
        }
        catch (RedisException)
        {
            return null;
        }

        if (_idle.TryGetValue(endPoint, out var idle) && idle.TryDequeue(out var pooled))
        {
            return pooled;
        }

        if (_failedAt.TryGetValue(endPoint, out var failed) && Stopwatch.GetElapsedTime(failed) < RetryAfterFailure)
        {
            return null;
        }

        try
        {
            var connection = await RespBucketConnection.ConnectAsync(endPoint, _user, _password, database, Timeout, cancellationToken).ConfigureAwait(false);
            connection.BlockingWaitMicroseconds = _blockingWaitMicroseconds;
            return connection;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _failedAt[endPoint] = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _failures);
            return null;
        }
    }

    /// <summary>Takes a connection back: kept for the next search when it is sound, closed otherwise.</summary>
    public void Return(RespBucketConnection connection)
    {
        if (connection.Broken)
        {
            Interlocked.Increment(ref _failures);
            connection.Dispose();
            return;
        }

        var idle = _idle.GetOrAdd(connection.EndPoint, static _ => new ConcurrentQueue<RespBucketConnection>());
        if (_disposed || idle.Count >= IdlePerEndPoint)
        {
            connection.Dispose();
            return;
        }

        idle.Enqueue(connection);
        if (_disposed && idle.TryDequeue(out var late))
        {
            late.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var idle in _idle.Values)
        {
            while (idle.TryDequeue(out var connection))
            {
                connection.Dispose();
            }
        }
    }
}
