using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Contracts.V1;
using Mth.Dicom.IO;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Ingest.Dicom;
using Mth.Ingest.Outbox;
using Mth.Ingest.Studies;

namespace Mth.Ingest.Storage;

/// <summary>
/// Ingest's C-STORE handler. For each instance: stream the data set to a partial file while the
/// SCP validates it; take the study, series and SOP identity from the validated data set; write
/// the InstanceStored event to the outbox; flush the file, the event and the folder names they
/// need together (one round of parallel flushes); move the file to
/// <c>Root/&lt;Study&gt;/&lt;Series&gt;/&lt;SOP&gt;.dcm</c>; flush that folder; hand the event to the
/// dispatcher; only then answer success. A crash at any point leaves either no instance (and an
/// event that recovery drops) or the complete instance with its event pending.
/// </summary>
public sealed class IngestInstanceStore : IDicomStoreHandler
{
    private readonly IngestPaths _paths;
    private readonly EventOutbox _outbox;
    private readonly OutboxDispatcher _dispatcher;
    private readonly StudyActivityTracker _studies;
    private readonly DurableDirectories _directories;
    private readonly FlushThreads _flushes;
    private readonly IngestOptions _options;
    private readonly DicomReaderOptions _readerOptions;
    private readonly DicomNetworkLogAdapter _dicomLog;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _stored;
    private long _outboxFullRefusals;

    public IngestInstanceStore(IngestPaths paths, EventOutbox outbox, OutboxDispatcher dispatcher, StudyActivityTracker studies,
        DurableDirectories directories, FlushThreads flushes, IOptions<IngestOptions> options, DicomNetworkLogAdapter dicomLog, TimeProvider time,
        ILogger<IngestInstanceStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _paths = paths;
        _outbox = outbox;
        _dispatcher = dispatcher;
        _studies = studies;
        _directories = directories;
        _flushes = flushes;
        _options = options.Value;
        _readerOptions = _options.ReaderOptions();
        _dicomLog = dicomLog;
        _time = time;
        _logger = logger;
    }

    /// <summary>Instances acknowledged since start.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    public async ValueTask<DimseStatus> StoreAsync(DicomStoreRequest request, Stream dataSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataSet);
        if (_dispatcher.PendingCount >= _options.Outbox.MaxPendingEvents)
        {
            // The broker has been away long enough to fill the outbox: let the modality keep the instance and retry.
            if (Interlocked.Increment(ref _outboxFullRefusals) % 100 == 1)
            {
                _logger.LogWarning("The event outbox holds {Pending} events (limit {Limit}); C-STORE answers 0xA700 until the broker takes them",
                    _dispatcher.PendingCount, _options.Outbox.MaxPendingEvents);
            }

            return DimseStatus.OutOfResources.WithComment("Event outbox full; retry later");
        }

        var messageId = Guid.NewGuid();
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = messageId });
        await using var partial = PartialInstanceFile.Create(_paths.Incoming, _dicomLog);
        var summary = await partial.WriteAsync(request, dataSet, _options.WriteBufferSize, _readerOptions, summaryRequired: true, cancellationToken)
            .ConfigureAwait(false) ?? throw new InvalidOperationException("A validated data set has a summary.");
        var identity = InstanceIdentity.From(request, summary);
        var storageKey = identity.StorageKey;
        var finalPath = _paths.Resolve(storageKey)!;
        var series = Path.GetDirectoryName(finalPath)!;
        var message = new InstanceStored
        {
            SopInstanceUid = identity.SopInstanceUid,
            SopClassUid = identity.SopClassUid,
            StudyInstanceUid = identity.StudyInstanceUid,
            SeriesInstanceUid = identity.SeriesInstanceUid,
            Modality = identity.Modality,
            BodyPartExamined = identity.BodyPartExamined,
            TransferSyntaxUid = request.TransferSyntax.Uid,
            StorageKey = storageKey,
            SizeBytes = partial.Length,
            StoredAt = _time.GetUtcNow(),
            HasPixelData = identity.HasPixelData,
            SourceAeTitle = request.Association.CallingAeTitle,
        };

        var sequence = _outbox.BeginPreparation();
        var handedOver = false;
        try
        {
            string recordPath;
            using (var record = _outbox.Write(new OutboxRecord { Sequence = sequence, MessageId = messageId, CreatedAt = message.StoredAt, InstanceStored = message }))
            {
                try
                {
                    // The instance's bytes, the event and the names both need, in one round: concurrent
                    // flushes share the file system's journal commit instead of paying one each.
                    await Task.WhenAll(
                        _flushes.RunAsync(partial.FlushToDisk),
                        _flushes.RunAsync(record.FlushToDisk),
                        _flushes.RunAsync(_outbox.FlushFolder),
                        _directories.EnsureAsync(_paths.Root, series)).ConfigureAwait(false);
                    recordPath = record.Path;
                }
                catch
                {
                    // Nothing was moved into place: the event must not survive its instance.
                    record.Discard();
                    throw;
                }
            }

            // From here the event is durable: once the instance is in place it must be delivered,
            // even if the flush of its folder fails and the modality is told to send it again.
            try
            {
                await partial.MoveToAsync(finalPath).ConfigureAwait(false);
            }
            catch
            {
                _outbox.TryDelete(recordPath);
                throw;
            }

            _studies.Apply(message);
            _dispatcher.Enqueue(sequence);
            handedOver = true;
            await _flushes.RunAsync(() => FileSystemSync.FlushDirectory(series)).ConfigureAwait(false);
        }
        finally
        {
            if (!handedOver)
            {
                _outbox.EndPreparation(sequence);
            }
        }

        Interlocked.Increment(ref _stored);
        _logger.LogDebug("Stored {StorageKey} ({SizeBytes} bytes)", storageKey, message.SizeBytes);
        return DimseStatus.Success;
    }
}
