namespace Mth.Ingest.Outbox;

/// <summary>Delivers one outbox record; completes only when the broker has confirmed it.</summary>
public interface IOutboxPublisher
{
    Task PublishAsync(OutboxRecord record, CancellationToken cancellationToken);
}
