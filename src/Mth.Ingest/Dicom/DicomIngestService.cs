using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Ingest.Outbox;
using Mth.Ingest.Storage;
using Mth.Ingest.Studies;

namespace Mth.Ingest.Dicom;

/// <summary>
/// Runs Ingest: at start, recovers what an earlier run left (partial files, pending events,
/// study activity) before the listener accepts anything; then serves DICOM, delivers the outbox
/// and announces quiet studies. It stops in <see cref="StoppingAsync"/>, before any hosted
/// service stops, so the bus is still up while the last events are delivered.
/// </summary>
public sealed class DicomIngestService : IHostedLifecycleService, IAsyncDisposable
{
    private readonly IngestPaths _paths;
    private readonly IngestOptions _options;
    private readonly EventOutbox _outbox;
    private readonly OutboxDispatcher _dispatcher;
    private readonly StudyActivityTracker _studies;
    private readonly IngestInstanceStore _store;
    private readonly DicomNetworkLogAdapter _dicomLog;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private DicomServer? _server;
    private Task _dispatching = Task.CompletedTask;
    private Task _announcing = Task.CompletedTask;

    public DicomIngestService(IngestPaths paths, IOptions<IngestOptions> options, EventOutbox outbox, OutboxDispatcher dispatcher,
        StudyActivityTracker studies, IngestInstanceStore store, DicomNetworkLogAdapter dicomLog, ILogger<DicomIngestService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _paths = paths;
        _options = options.Value;
        _outbox = outbox;
        _dispatcher = dispatcher;
        _studies = studies;
        _store = store;
        _dicomLog = dicomLog;
        _logger = logger;
    }

    /// <summary>Where the DICOM listener accepts associations (null before start).</summary>
    public IPEndPoint? LocalEndPoint => _server?.LocalEndPoint;

    public bool IsListening => _server?.LocalEndPoint is not null && !_stopping.IsCancellationRequested;

    public DicomServerStatistics? Statistics => _server?.Statistics;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var serverOptions = _options.ToServerOptions();
        DurableDirectories.CreateDurably(_paths.Root);
        DurableDirectories.CreateDurably(_paths.Incoming);
        DurableDirectories.CreateDurably(_paths.State);
        PartialInstanceFile.RemoveLeftovers(_paths.Incoming, _dicomLog);

        _studies.Load();
        var pending = _outbox.Recover(IsStillValid);
        foreach (var record in pending)
        {
            _studies.Replay(record);
            _dispatcher.Enqueue(record.Sequence);
        }

        _server = new DicomServer(serverOptions, _store, _dicomLog);
        _server.Start(new IPEndPoint(IPAddress.Parse(_options.BindAddress), _options.Port));
        _logger.LogInformation("Ingest listening as {AeTitle} on {EndPoint}; {Pending} events pending from an earlier run; {OpenStudies} studies not yet quiet",
            _options.AeTitle, _server.LocalEndPoint, pending.Count, _studies.OpenStudies);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // After every hosted service started (the bus among them): deliver and announce in the background.
        _dispatching = _dispatcher.RunAsync(_stopping.Token);
        _announcing = AnnounceAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!await _dispatcher.WaitUntilEmptyAsync(_options.Outbox.DrainOnStop, cancellationToken).ConfigureAwait(false))
        {
            _logger.LogWarning("Stopping with {Pending} events still in the outbox; they are delivered at the next start", _dispatcher.PendingCount);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_dispatching, _announcing).ConfigureAwait(false);
        await _dispatcher.CheckpointAsync(force: true, cancellationToken).ConfigureAwait(false);
        await _studies.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Ingest stopped: {Stored} instances stored, {Delivered} events delivered since start", _store.Stored, _dispatcher.Delivered);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>A recovered instance event is kept only if its instance is in place: otherwise its C-STORE was never answered.</summary>
    private bool IsStillValid(OutboxRecord record) =>
        record.StudyReceived is { } study ? Mth.Dicom.DicomUid.IsValid(study.StudyInstanceUid)
        : _paths.Resolve(record.InstanceStored!.StorageKey) is { } path && File.Exists(path);

    private async Task AnnounceAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_studies.PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await _studies.AnnounceQuietStudiesAsync(_dispatcher.Enqueue, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failing disk must not end the announcements: the study stays open and is tried again.
                    _logger.LogError(ex, "Announcing quiet studies failed; retrying");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
