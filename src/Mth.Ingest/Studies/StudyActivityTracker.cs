using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Contracts.V1;
using Mth.Dicom.Network.Storage;
using Mth.Ingest.Outbox;
using Mth.Ingest.Storage;

namespace Mth.Ingest.Studies;

/// <summary>
/// Knows which studies received instances and have not been announced yet, and announces each
/// (StudyReceived, through the outbox) once it has been quiet for the configured period.
/// <para>
/// The state survives a restart without costing the C-STORE path a flush: it is saved to
/// <c>studies.json</c> before the dispatcher deletes any confirmed event, and at start it is
/// rebuilt from that file plus the events still in the outbox (replayed in order: an instance
/// event opens or extends its study, an announcement closes it unless a later instance came).
/// </para>
/// </summary>
public sealed class StudyActivityTracker : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    private readonly IngestPaths _paths;
    private readonly EventOutbox _outbox;
    private readonly FlushThreads _flushes;
    private readonly TimeSpan _quietPeriod;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OpenStudy> _open = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _saving = new(1, 1);
    private bool _dirty;

    public StudyActivityTracker(IngestPaths paths, EventOutbox outbox, FlushThreads flushes, IOptions<IngestOptions> options, TimeProvider time,
        ILogger<StudyActivityTracker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _paths = paths;
        _outbox = outbox;
        _flushes = flushes;
        _quietPeriod = options.Value.StudyQuietPeriod;
        _time = time;
        _logger = logger;
    }

    /// <summary>Studies waiting for their quiet period to end.</summary>
    public int OpenStudies
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>How often <see cref="AnnounceQuietStudiesAsync"/> should run: a quarter of the quiet period, between 50 ms and 1 s.</summary>
    public TimeSpan PollInterval => TimeSpan.FromTicks(Math.Clamp(_quietPeriod.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));

    /// <summary>Reads the saved state, if any.</summary>
    public void Load()
    {
        if (!File.Exists(_paths.StudyActivity))
        {
            return;
        }

        SavedActivity? saved;
        try
        {
            saved = JsonSerializer.Deserialize<SavedActivity>(File.ReadAllBytes(_paths.StudyActivity), Json);
        }
        catch (JsonException ex)
        {
            saved = null;
            _logger.LogError(ex, "The saved study activity is unreadable");
        }

        if (saved?.Studies is null)
        {
            // It is written atomically, so only an outside hand or a failing disk gets here. Keep it for a
            // person to look at and go on: studies still in the outbox are rebuilt from it; others open
            // before the damage are not announced.
            var aside = _paths.StudyActivity + ".unreadable-" + _time.GetUtcNow().ToString("yyyyMMddTHHmmss", System.Globalization.CultureInfo.InvariantCulture);
            File.Move(_paths.StudyActivity, aside, overwrite: true);
            _logger.LogError("Moved the unreadable study activity to {File}; studies open before it are rebuilt from the outbox only", Path.GetFileName(aside));
            return;
        }

        lock (_gate)
        {
            foreach (var study in saved.Studies.Where(s => Mth.Dicom.DicomUid.IsValid(s.StudyInstanceUid)))
            {
                _open[study.StudyInstanceUid] = new OpenStudy(study.FirstStoredAt, study.LastStoredAt);
            }
        }
    }

    /// <summary>Applies an event left in the outbox by an earlier run (call in sequence order, after <see cref="Load"/>).</summary>
    public void Replay(OutboxRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.InstanceStored is { } stored)
        {
            Apply(stored);
            return;
        }

        var announced = record.StudyReceived!;
        lock (_gate)
        {
            if (_open.TryGetValue(announced.StudyInstanceUid, out var open) && open.Last <= announced.LastStoredAt)
            {
                _open.Remove(announced.StudyInstanceUid);
                _dirty = true;
            }
        }
    }

    /// <summary>An instance of the study was stored: it opens the study's quiet period or extends it.</summary>
    public void Apply(InstanceStored stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        lock (_gate)
        {
            if (_open.TryGetValue(stored.StudyInstanceUid, out var open))
            {
                open.First = open.First < stored.StoredAt ? open.First : stored.StoredAt;
                open.Last = open.Last > stored.StoredAt ? open.Last : stored.StoredAt;
            }
            else
            {
                _open[stored.StudyInstanceUid] = new OpenStudy(stored.StoredAt, stored.StoredAt);
            }

            _dirty = true;
        }
    }

    /// <summary>
    /// Announces every study quiet for the period: writes its StudyReceived durably to the outbox,
    /// closes it (unless an instance arrived meanwhile), then hands the record to <paramref name="enqueue"/>.
    /// Returns how many were announced.
    /// </summary>
    public async Task<int> AnnounceQuietStudiesAsync(Action<long> enqueue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enqueue);
        var now = _time.GetUtcNow();
        List<(string Uid, DateTimeOffset First, DateTimeOffset Last)> quiet;
        lock (_gate)
        {
            quiet = [.. _open.Where(p => !p.Value.Announcing && now - p.Value.Last >= _quietPeriod).Select(p => (p.Key, p.Value.First, p.Value.Last))];
            foreach (var study in quiet)
            {
                _open[study.Uid].Announcing = true;
            }
        }

        var announced = 0;
        foreach (var (uid, first, last) in quiet)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var message = new StudyReceived
            {
                StudyInstanceUid = uid,
                InstanceCount = CountInstances(uid),
                FirstStoredAt = first,
                LastStoredAt = last,
            };
            var sequence = _outbox.BeginPreparation();
            try
            {
                using (var file = _outbox.Write(new OutboxRecord { Sequence = sequence, MessageId = Guid.NewGuid(), CreatedAt = now, StudyReceived = message }))
                {
                    try
                    {
                        await Task.WhenAll(_flushes.RunAsync(file.FlushToDisk), _flushes.RunAsync(_outbox.FlushFolder)).ConfigureAwait(false);
                    }
                    catch
                    {
                        file.Discard();
                        throw;
                    }
                }

                lock (_gate)
                {
                    var open = _open[uid];
                    if (open.Last == last)
                    {
                        _open.Remove(uid);
                    }
                    else
                    {
                        // An instance came while the announcement was written: a new period began.
                        open.Announcing = false;
                    }

                    _dirty = true;
                }

                enqueue(sequence);
                announced++;
                _logger.LogInformation("Announced a quiet study ({InstanceCount} instances)", message.InstanceCount);
                _logger.LogDebug("Announced study {StudyInstanceUid}", uid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _outbox.EndPreparation(sequence);
                lock (_gate)
                {
                    _open[uid].Announcing = false;
                }

                _logger.LogError(ex, "Could not write a study announcement to the outbox; it is retried");
            }
        }

        return announced;
    }

    /// <summary>Saves the state durably when it changed since the last save (temporary file, flush, rename, flush of the folder).</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await _saving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SavedActivity snapshot;
            lock (_gate)
            {
                if (!_dirty)
                {
                    return;
                }

                snapshot = new SavedActivity([.. _open.Select(p => new StudyActivity(p.Key, p.Value.First, p.Value.Last))]);
                _dirty = false;
            }

            try
            {
                var temporary = _paths.StudyActivity + ".tmp";
                await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    await file.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(snapshot, Json), cancellationToken).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                }

                File.Move(temporary, _paths.StudyActivity, overwrite: true);
                FileSystemSync.FlushDirectory(_paths.State);
            }
            catch
            {
                lock (_gate)
                {
                    _dirty = true;
                }

                throw;
            }
        }
        finally
        {
            _saving.Release();
        }
    }

    public void Dispose() => _saving.Dispose();

    /// <summary>Instances of the study in the store now, each SOP Instance UID once (a re-send replaces its file).</summary>
    private int CountInstances(string studyInstanceUid)
    {
        var study = Path.Combine(_paths.Root, studyInstanceUid);
        if (!Directory.Exists(study))
        {
            return 0;
        }

        return Directory.EnumerateDirectories(study).Sum(series => Directory.EnumerateFiles(series, "*" + InstanceStorageKey.Extension).Count());
    }

    private sealed class OpenStudy(DateTimeOffset first, DateTimeOffset last)
    {
        public DateTimeOffset First { get; set; } = first;

        public DateTimeOffset Last { get; set; } = last;

        /// <summary>Its announcement is being written.</summary>
        public bool Announcing { get; set; }
    }

    private sealed record StudyActivity(string StudyInstanceUid, DateTimeOffset FirstStoredAt, DateTimeOffset LastStoredAt);

    private sealed record SavedActivity(IReadOnlyList<StudyActivity> Studies);
}
