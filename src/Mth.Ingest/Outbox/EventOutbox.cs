using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mth.Dicom.Network.Storage;

namespace Mth.Ingest.Outbox;

/// <summary>
/// The outbox folder: one small JSON file per event (<c>&lt;sequence&gt;.json</c>), written and
/// flushed before the instance it announces is moved into place, deleted only after the broker
/// confirmed it. Keeps the order of sequence numbers and which ones are still being prepared,
/// so that the dispatcher never publishes an event ahead of an earlier one.
/// </summary>
public sealed class EventOutbox
{
    private const string Extension = ".json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ILogger _logger;
    private readonly SortedSet<long> _preparing = [];
    private readonly Lock _gate = new();
    private long _lastSequence;

    public EventOutbox(string folder, ILogger<EventOutbox> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(folder);
        _logger = logger;
    }

    public string Folder { get; }

    /// <summary>Raised when a prepared record was published to the dispatcher or given up.</summary>
    public event Action? PreparationEnded;

    /// <summary>
    /// Reads the records a previous run left, in order. A record that cannot be read (its write
    /// was cut by a crash before it was flushed) or that <paramref name="isStillValid"/> refuses is
    /// deleted: neither was acknowledged to anyone.
    /// </summary>
    public IReadOnlyList<OutboxRecord> Recover(Func<OutboxRecord, bool> isStillValid)
    {
        ArgumentNullException.ThrowIfNull(isStillValid);
        var created = !Directory.Exists(Folder);
        Directory.CreateDirectory(Folder);
        if (created)
        {
            FlushParentOf(Folder);
        }

        var records = new List<OutboxRecord>();
        var dropped = 0;
        foreach (var path in Directory.EnumerateFiles(Folder, "*" + Extension))
        {
            var record = TryRead(path);
            if (record is null || !isStillValid(record))
            {
                dropped++;
                TryDelete(path);
                continue;
            }

            records.Add(record);
        }

        foreach (var leftover in Directory.EnumerateFiles(Folder, "*.tmp"))
        {
            TryDelete(leftover);
        }

        records.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        lock (_gate)
        {
            _lastSequence = records.Count == 0 ? 0 : records[^1].Sequence;
        }

        if (dropped > 0)
        {
            // Each was written for an instance whose C-STORE had not been answered yet.
            _logger.LogWarning("Removed {Count} outbox records left incomplete or without their instance by an earlier run", dropped);
        }

        return records;
    }

    /// <summary>Takes the next sequence number; the caller ends the preparation with <see cref="EndPreparation"/>.</summary>
    public long BeginPreparation()
    {
        lock (_gate)
        {
            var sequence = ++_lastSequence;
            _preparing.Add(sequence);
            return sequence;
        }
    }

    /// <summary>The record was handed to the dispatcher or abandoned.</summary>
    public void EndPreparation(long sequence)
    {
        lock (_gate)
        {
            _preparing.Remove(sequence);
        }

        PreparationEnded?.Invoke();
    }

    /// <summary>The lowest sequence number still being prepared, or null.</summary>
    public long? LowestPreparing()
    {
        lock (_gate)
        {
            return _preparing.Count == 0 ? null : _preparing.Min;
        }
    }

    /// <summary>Writes a record's file without flushing it; <see cref="OutboxRecordFile.FlushToDisk"/> makes its bytes durable, <see cref="FlushFolder"/> its name.</summary>
    public OutboxRecordFile Write(OutboxRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var path = PathOf(record.Sequence);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, Json);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            file.Write(bytes);
        }
        catch
        {
            file.Dispose();
            TryDelete(path);
            throw;
        }

        return new OutboxRecordFile(record, path, file, this);
    }

    /// <summary>fsync of the folder: the names of records created (or removed) so far are durable.</summary>
    public void FlushFolder() => FileSystemSync.FlushDirectory(Folder);

    /// <summary>Reads a record back (the dispatcher keeps only sequence numbers in memory).</summary>
    public OutboxRecord Read(long sequence) =>
        TryRead(PathOf(sequence)) ?? throw new InvalidDataException($"Outbox record {sequence} is missing or unreadable.");

    public void Delete(long sequence) => TryDelete(PathOf(sequence));

    private string PathOf(long sequence) => Path.Combine(Folder, sequence.ToString("D19", CultureInfo.InvariantCulture) + Extension);

    private OutboxRecord? TryRead(string path)
    {
        try
        {
            var record = JsonSerializer.Deserialize<OutboxRecord>(File.ReadAllBytes(path), Json);
            return record is { IsWellFormed: true } && path == PathOf(record.Sequence) ? record : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            _logger.LogDebug(ex, "Outbox record {File} is unreadable", Path.GetFileName(path));
            return null;
        }
    }

    internal void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(ex, "Could not remove outbox file {File}", Path.GetFileName(path));
        }
    }

    private static void FlushParentOf(string folder)
    {
        if (Path.GetDirectoryName(folder) is { } parent)
        {
            FileSystemSync.FlushDirectory(parent);
        }
    }
}

/// <summary>A record written to the outbox folder, not yet flushed: flush it, or discard it if its instance is not kept.</summary>
public sealed class OutboxRecordFile : IDisposable
{
    private readonly FileStream _file;
    private readonly EventOutbox _outbox;

    internal OutboxRecordFile(OutboxRecord record, string path, FileStream file, EventOutbox outbox)
    {
        Record = record;
        Path = path;
        _file = file;
        _outbox = outbox;
    }

    public OutboxRecord Record { get; }

    public string Path { get; }

    public void FlushToDisk() => _file.Flush(flushToDisk: true);

    /// <summary>Removes the record: its instance was not kept.</summary>
    public void Discard()
    {
        _file.Dispose();
        _outbox.TryDelete(Path);
    }

    public void Dispose() => _file.Dispose();
}
