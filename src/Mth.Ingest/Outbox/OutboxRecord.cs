using Mth.Contracts.V1;

namespace Mth.Ingest.Outbox;

/// <summary>
/// One event waiting in the outbox, as it is kept on disk (JSON): exactly one of the message
/// properties is set. The message id travels as the MassTransit MessageId, so a redelivery after
/// a failure carries the same id.
/// </summary>
public sealed record OutboxRecord
{
    /// <summary>Order of creation: records are published in ascending order.</summary>
    public required long Sequence { get; init; }

    public required Guid MessageId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public InstanceStored? InstanceStored { get; init; }

    public StudyReceived? StudyReceived { get; init; }

    /// <summary>Which message it holds, for logs.</summary>
    public string Kind => InstanceStored is not null ? nameof(Contracts.V1.InstanceStored) : nameof(Contracts.V1.StudyReceived);

    /// <summary>Exactly one message, with the fields every message needs.</summary>
    public bool IsWellFormed => Sequence > 0 && MessageId != Guid.Empty && (InstanceStored is null) != (StudyReceived is null);
}
