using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Ingest.Studies;

namespace Mth.Ingest.Outbox;

/// <summary>
/// Delivers the outbox in sequence order, one event at a time, each awaited until the broker
/// confirms it; an event is never skipped. While the broker is unreachable it retries the same
/// event with a growing pause. Confirmed events are deleted in batches, after the study activity
/// that includes them has been saved (so a restart rebuilds the same state from what is left).
/// </summary>
public sealed class OutboxDispatcher : IDisposable
{
    private const int MaxConfirmedBeforeCheckpoint = 1000;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromMinutes(1);

    private readonly EventOutbox _outbox;
    private readonly IOutboxPublisher _publisher;
    private readonly StudyActivityTracker _studies;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SortedSet<long> _pending = [];
    private readonly List<(long Sequence, bool IsStudy)> _confirmed = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _checkpointing = new(1, 1);
    private DateTimeOffset _lastProgress;
    private DateTimeOffset _lastCheckpoint;
    private long _delivered;

    public OutboxDispatcher(EventOutbox outbox, IOutboxPublisher publisher, StudyActivityTracker studies, IOptions<IngestOptions> options,
        TimeProvider time, ILogger<OutboxDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(options);
        _outbox = outbox;
        _publisher = publisher;
        _studies = studies;
        _options = options.Value.Outbox;
        _time = time;
        _logger = logger;
        _lastProgress = _lastCheckpoint = time.GetUtcNow();
        _outbox.PreparationEnded += Wake;
    }

    /// <summary>Events written and not yet confirmed by the broker.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Events confirmed by the broker since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>
    /// Draining: nothing pending, or an event was confirmed (or became pending on an empty
    /// outbox) within the stall threshold. False means the broker has not taken anything for a while.
    /// </summary>
    public bool IsDraining(out int pending, out TimeSpan sinceProgress)
    {
        lock (_gate)
        {
            pending = _pending.Count;
            sinceProgress = _time.GetUtcNow() - _lastProgress;
        }

        return pending == 0 || sinceProgress < _options.StallThreshold;
    }

    /// <summary>Hands over a durable record; ends its preparation in the outbox.</summary>
    public void Enqueue(long sequence)
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                _lastProgress = _time.GetUtcNow();
            }

            _pending.Add(sequence);
        }

        _outbox.EndPreparation(sequence);
    }

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled; a failure of its own (a disk error while checkpointing) is logged and retried.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeliverAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "The outbox dispatcher failed; it starts again in a second");
                await DelayAsync(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task DeliverAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var firstFailure = DateTimeOffset.MinValue;
        var lastFailureLog = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = NextPublishable();
            if (next is not { } sequence)
            {
                await CheckpointAsync(force: false, stoppingToken).ConfigureAwait(false);
                await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            OutboxRecord record;
            try
            {
                record = _outbox.Read(sequence);
            }
            catch (InvalidDataException ex)
            {
                // Only an outside hand can do this (the file was removed or overwritten): report it and go on with the rest.
                _logger.LogError(ex, "Outbox record {Sequence} could not be read; it is skipped", sequence);
                lock (_gate)
                {
                    _pending.Remove(sequence);
                }

                continue;
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(_options.PublishTimeout);
                await _publisher.PublishAsync(record, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                if (failures++ == 0)
                {
                    firstFailure = now;
                }

                if (now - lastFailureLog >= FailureLogInterval)
                {
                    lastFailureLog = now;
                    _logger.LogWarning("The broker did not confirm an event ({Reason}); {Pending} events wait in the outbox and are retried",
                        Describe(ex), PendingCount);
                }

                await DelayAsync(RetryDelay(failures), stoppingToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }

            lock (_gate)
            {
                _pending.Remove(sequence);
                _confirmed.Add((sequence, record.StudyReceived is not null));
                _lastProgress = _time.GetUtcNow();
            }

            Interlocked.Increment(ref _delivered);
            _logger.LogDebug("Delivered {Kind} {MessageId} (outbox record {Sequence})", record.Kind, record.MessageId, sequence);
            if (failures > 0)
            {
                _logger.LogInformation("The broker confirms events again after {Seconds:0.0} s; {Pending} still pending",
                    (_time.GetUtcNow() - firstFailure).TotalSeconds, PendingCount);
                failures = 0;
                lastFailureLog = DateTimeOffset.MinValue;
            }

            await CheckpointAsync(force: false, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until nothing is pending, at most <paramref name="timeout"/>; true when the outbox emptied.</summary>
    public async Task<bool> WaitUntilEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (PendingCount > 0 || _outbox.LowestPreparing() is not null)
        {
            if (_time.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Deletes the confirmed records once the study activity that includes them is saved. When
    /// <paramref name="force"/> is false it waits for the checkpoint interval or a full batch.
    /// </summary>
    public async Task CheckpointAsync(bool force, CancellationToken cancellationToken)
    {
        List<(long Sequence, bool IsStudy)> batch;
        lock (_gate)
        {
            var due = force || _confirmed.Count >= MaxConfirmedBeforeCheckpoint || _time.GetUtcNow() - _lastCheckpoint >= _options.CheckpointInterval;
            if (_confirmed.Count == 0 || !due)
            {
                return;
            }

            batch = [.. _confirmed];
        }

        await _checkpointing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _studies.CheckpointAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (sequence, _) in batch.Where(c => !c.IsStudy))
            {
                _outbox.Delete(sequence);
            }

            var studies = batch.Where(c => c.IsStudy).ToList();
            if (studies.Count > 0)
            {
                // A study announcement must not outlive the instance events before it: were it
                // gone after a crash while one of them came back, the study would be announced twice.
                _outbox.FlushFolder();
                foreach (var (sequence, _) in studies)
                {
                    _outbox.Delete(sequence);
                }
            }

            lock (_gate)
            {
                _confirmed.RemoveRange(0, batch.Count);
                _lastCheckpoint = _time.GetUtcNow();
            }
        }
        finally
        {
            _checkpointing.Release();
        }
    }

    public void Dispose()
    {
        _outbox.PreparationEnded -= Wake;
        _wake.Dispose();
        _checkpointing.Dispose();
    }

    /// <summary>The lowest pending record, unless an earlier one is still being written.</summary>
    private long? NextPublishable()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return null;
            }

            var lowest = _pending.Min;
            return _outbox.LowestPreparing() is { } preparing && preparing < lowest ? null : lowest;
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _wake.WaitAsync(_options.CheckpointInterval, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private TimeSpan RetryDelay(int failures)
    {
        var delay = FirstRetryDelay * Math.Pow(2, Math.Min(failures - 1, 16));
        return delay < _options.MaxRetryDelay ? delay : _options.MaxRetryDelay;
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "no confirm within the publish timeout",
        _ => ex.GetType().Name + ": " + ex.Message,
    };
}
