using MassTransit;
using Microsoft.Extensions.Options;

namespace Mth.Ingest.Outbox;

/// <summary>
/// Publishes outbox records on the process's bus (publisher confirms are on for RabbitMQ, so a
/// publish completes once the broker has the message). The record's id becomes the message,
/// correlation and conversation id, so a redelivery is recognisable and logs can follow it.
/// </summary>
public sealed class BusOutboxPublisher : IOutboxPublisher
{
    private readonly IBus _bus;
    private readonly bool _requireInstanceStoredRoute;

    public BusOutboxPublisher(IBus bus, IOptions<IngestOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bus = bus;
        _requireInstanceStoredRoute = options.Value.Outbox.RequireInstanceStoredRoute;
    }

    public Task PublishAsync(OutboxRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.InstanceStored is { } stored)
        {
            return _bus.Publish(stored, context => Stamp(context, record, _requireInstanceStoredRoute), cancellationToken);
        }

        return _bus.Publish(record.StudyReceived!, context => Stamp(context, record, mandatory: false), cancellationToken);
    }

    private static void Stamp(SendContext context, OutboxRecord record, bool mandatory)
    {
        context.MessageId = record.MessageId;
        context.CorrelationId = record.MessageId;
        context.ConversationId = record.MessageId;
        if (mandatory && context is RabbitMqSendContext rabbit)
        {
            // Unroutable (no queue bound yet): the broker returns it, the publish fails, the record stays.
            rabbit.Mandatory = true;
        }
    }
}
