using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Mth.Dicom.Network.Server;

/// <summary>
/// A DICOM storage and verification SCP: accepts associations on a TCP port, negotiates them
/// against <see cref="DicomServerOptions"/>, answers C-ECHO, and streams each C-STORE data set to
/// an <see cref="IDicomStoreHandler"/>. One failing association never affects another.
/// </summary>
public sealed class DicomServer : IAsyncDisposable
{
    private readonly DicomServerOptions _options;
    private readonly StorageServiceProvider _storage;
    private readonly IDicomNetworkLog _log;
    private readonly AssociationNegotiator _negotiator;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _nextId;
    private int _activeAssociations;
    private int _stopped;

    public DicomServer(DicomServerOptions options, IDicomStoreHandler storeHandler, IDicomNetworkLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storeHandler);
        options.Validate();
        _options = options;
        _log = log ?? NullDicomNetworkLog.Instance;
        _storage = new StorageServiceProvider(options, storeHandler, _log);
        _negotiator = new AssociationNegotiator(options);
    }

    /// <summary>The address and port the server listens on; with port 0 requested, the port the system chose.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>Associations past negotiation and not yet ended.</summary>
    public int ActiveAssociations => Volatile.Read(ref _activeAssociations);

    public DicomServerStatistics Statistics { get; } = new();

    /// <summary>Binds and starts accepting connections; returns once the port is listening.</summary>
    public void Start(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }

        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(endPoint);
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _log.Write(DicomLogLevel.Information, $"DICOM server '{_options.AeTitle}' listening on {LocalEndPoint}.");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>
    /// Serves one association over an already connected transport (a TLS stream, a test pipe):
    /// the same state machine, limits and handler as connections the server accepts itself.
    /// </summary>
    public Task ServeAsync(Stream transport, EndPoint? remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var id = Interlocked.Increment(ref _nextId);
        return RunAssociationAsync(id, transport, remoteEndPoint, cancellationToken);
    }

    /// <summary>
    /// Stops accepting, lets associations finish the operation in progress for up to the grace
    /// period, then aborts the rest and waits for them to end.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        var all = Task.WhenAll(_connections.Values);
        try
        {
            await all.WaitAsync(_options.ShutdownGracePeriod, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.Write(DicomLogLevel.Warning, $"Aborting {_connections.Count} associations still busy after the shutdown grace period.");
        }
        finally
        {
            await _abort.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _log.Write(DicomLogLevel.Information, $"DICOM server '{_options.AeTitle}' stopped.");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (_stopping.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Transient accept failures (a connection reset before accept, too many open files) must not stop the server.
                _log.Write(DicomLogLevel.Warning, $"Accepting a connection failed: {ex.Message}");
                await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
                continue;
            }

            // Connections waiting for their A-ASSOCIATE-RQ or a rejection are bounded too, so a flood cannot exhaust memory.
            if (_connections.Count >= (2 * _options.MaxAssociations) + 16)
            {
                _log.Write(DicomLogLevel.Warning, $"Closing a connection from {socket.RemoteEndPoint}: too many open connections.");
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var id = Interlocked.Increment(ref _nextId);
            var stream = new NetworkStream(socket, ownsSocket: true);
            _ = RunAssociationAsync(id, stream, socket.RemoteEndPoint, CancellationToken.None);
        }
    }

    private Task RunAssociationAsync(long id, Stream transport, EndPoint? remote, CancellationToken cancellationToken)
    {
        var task = RunLinkedAsync(id, transport, remote, cancellationToken);
        _connections[id] = task;
        _ = task.ContinueWith(_ => _connections.TryRemove(id, out Task? _), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    private async Task RunLinkedAsync(long id, Stream transport, EndPoint? remote, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, cancellationToken);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, cancellationToken);
        var association = new ServiceAssociation(id, transport, remote, _options, _negotiator, _storage, _log, Statistics,
            TryTakeSlot, ReleaseSlot, stopping.Token, abort.Token);
        await association.RunAsync().ConfigureAwait(false);
    }

    private bool TryTakeSlot()
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        while (true)
        {
            var current = Volatile.Read(ref _activeAssociations);
            if (current >= _options.MaxAssociations)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _activeAssociations, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    private void ReleaseSlot() => Interlocked.Decrement(ref _activeAssociations);
}
