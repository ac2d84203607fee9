using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mth.Contracts.V1;
using Mth.Core.Indexing;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Encoder.Reencoding;
using Mth.Encoder.Store;
using Mth.Hosting.Messaging;
using Mth.Hosting.Storage;

namespace Mth.Standalone;

/// <summary>
/// With the in-memory bus an InstanceStored message lives only in this process: Ingest's outbox forgets an event once
/// the bus has taken it, so a process that stops or dies before the encoder wrote the code leaves the instance stored
/// but not searchable. At start, once a version is active and no re-encoding runs (a re-encoding lists the whole store
/// itself), every stored instance without a code in the active version is announced again, read from its file; the
/// encoder's own consumer does the rest (its writes are idempotent). With RabbitMQ the broker keeps unacknowledged
/// messages and this does nothing. Instances without a code that the encoder skips (no decodable image) are announced
/// again at each start: one file read each.
/// </summary>
internal sealed partial class StoredInstanceCatchUp(
    IIndexCatalog catalog,
    ReencodingJobStore jobs,
    IBus bus,
    IOptions<InstanceStoreOptions> store,
    IOptions<MessagingOptions> messaging,
    TimeProvider time,
    ILogger<StoredInstanceCatchUp> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>Instances announced again by the last pass (tests and logs).</summary>
    public int Announced { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (messaging.Value.Transport != MessagingTransport.InMemory)
        {
            return;
        }

        try
        {
            string? active;
            while ((active = await catalog.GetActiveVersionAsync(stoppingToken).ConfigureAwait(false)) is null
                || (await jobs.ListAsync(stoppingToken).ConfigureAwait(false)).Any(j => j.Phase == ReencodingJobPhase.Running))
            {
                await Task.Delay(Poll, time, stoppingToken).ConfigureAwait(false);
            }

            await CatchUpAsync(active, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the next start looks again.
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or IndexCatalogException)
        {
            LogFailed(exception.GetType().Name, exception.Message);
        }
    }

    private async Task CatchUpAsync(string active, CancellationToken cancellationToken)
    {
        var index = await catalog.OpenVersionAsync(active, cancellationToken).ConfigureAwait(false);
        if (index is null)
        {
            return;
        }

        var instances = new InstanceStore(store.Value.Root);
        var announced = 0;
        foreach (var key in instances.EnumerateKeys())
        {
            if (!InstanceStore.IsInstanceKey(key, out var sop) || await index.GetCodeAsync(sop!, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            if (Describe(instances, key) is { } message)
            {
                await bus.Publish(message, cancellationToken).ConfigureAwait(false);
                announced++;
            }
        }

        Announced = announced;
        if (announced > 0)
        {
            LogAnnounced(announced, active);
        }
    }

    /// <summary>The event Ingest announced for the file, read from the file; null when it cannot be read (the encoder would reject it too).</summary>
    private InstanceStored? Describe(InstanceStore instances, string key)
    {
        var path = instances.Resolve(key);
        try
        {
            using var file = DicomFile.Open(path);
            var data = file.DataSet;
            var parts = key.Split('/');
            return new InstanceStored
            {
                SopInstanceUid = Path.GetFileNameWithoutExtension(parts[2]),
                SopClassUid = data.GetUid(DicomTag.SOPClassUID) ?? "",
                StudyInstanceUid = parts[0],
                SeriesInstanceUid = parts[1],
                Modality = data.GetString(DicomTag.Modality) ?? "",
                BodyPartExamined = data.GetString(DicomTag.BodyPartExamined) ?? "",
                TransferSyntaxUid = file.TransferSyntax.Uid,
                StorageKey = key,
                SizeBytes = new FileInfo(path).Length,
                StoredAt = File.GetLastWriteTimeUtc(path),
                HasPixelData = data.Contains(DicomTag.PixelData),
            };
        }
        catch (Exception exception) when (exception is DicomException or IOException or ArgumentException)
        {
            LogUnreadable(exception.GetType().Name, exception.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} stored instances had no code in index version {ModelVersion} (the last run stopped before encoding them): announced again")]
    private partial void LogAnnounced(int count, string modelVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A stored instance could not be read to announce it again ({Error}: {Reason})")]
    private partial void LogUnreadable(string error, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for stored instances without a code failed ({Error}: {Reason}); the next start looks again")]
    private partial void LogFailed(string error, string reason);
}
