using MassTransit;
using SerilogLogContext = Serilog.Context.LogContext;

namespace Mth.Hosting.Messaging;

/// <summary>
/// Puts the identifiers of the message being consumed (MessageId, CorrelationId, ConversationId)
/// into Serilog's log context, so that every log line written while a consumer handles it
/// carries them and one instance can be followed across services.
/// </summary>
public sealed class CorrelationLogContextFilter<T> : IFilter<ConsumeContext<T>>
    where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        using (SerilogLogContext.PushProperty("MessageId", context.MessageId))
        using (SerilogLogContext.PushProperty("CorrelationId", context.CorrelationId))
        using (SerilogLogContext.PushProperty("ConversationId", context.ConversationId))
        {
            await next.Send(context).ConfigureAwait(false);
        }
    }

    public void Probe(ProbeContext context) => context?.CreateFilterScope("correlationLogContext");
}
