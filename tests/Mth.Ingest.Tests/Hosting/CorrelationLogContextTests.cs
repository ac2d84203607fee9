using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mth.Hosting.Messaging;
using Serilog.Core;
using Serilog.Events;

namespace Mth.Ingest.Tests.Hosting;

/// <summary>AddMthMessaging puts the consumed message's ids into the log context of everything its consumer logs.</summary>
public sealed class CorrelationLogContextTests
{
    [Fact]
    public async Task A_consumer_logs_with_the_message_correlation_and_conversation_ids()
    {
        var sink = new CollectingSink();
        using var logger = new Serilog.LoggerConfiguration().Enrich.FromLogContext().WriteTo.Sink(sink).CreateLogger();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Messaging:Transport"] = "InMemory", ["Messaging:EndpointPrefix"] = "tlog" });
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        builder.Services.AddMthBusParticipant(bus => bus.AddConsumer<LoggingConsumer>());
        builder.AddMthMessaging();
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var correlation = Guid.NewGuid();
            var conversation = Guid.NewGuid();
            await host.Services.GetRequiredService<IBus>().Publish(new Probe { Text = "hello" }, context =>
            {
                context.CorrelationId = correlation;
                context.ConversationId = conversation;
            });

            var logged = await sink.WaitForAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(correlation.ToString(), Scalar(logged, "CorrelationId"));
            Assert.Equal(conversation.ToString(), Scalar(logged, "ConversationId"));
            Assert.False(string.IsNullOrEmpty(Scalar(logged, "MessageId")));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static string? Scalar(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: { } scalar } ? scalar.ToString() : null;

    private sealed class CollectingSink : ILogEventSink
    {
        private readonly TaskCompletionSource<LogEvent> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Emit(LogEvent logEvent) => _first.TrySetResult(logEvent);

        public Task<LogEvent> WaitForAsync(TimeSpan timeout) => _first.Task.WaitAsync(timeout);
    }
}

public sealed record Probe
{
    public required string Text { get; init; }
}

public sealed class LoggingConsumer(Serilog.ILogger logger) : IConsumer<Probe>
{
    public Task Consume(ConsumeContext<Probe> context)
    {
        logger.Information("Consumed a probe of {Length} characters", context.Message.Text.Length);
        return Task.CompletedTask;
    }
}
