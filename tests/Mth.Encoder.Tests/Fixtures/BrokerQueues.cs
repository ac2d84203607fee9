using RabbitMQ.Client;

namespace Mth.Encoder.Tests.Fixtures;

/// <summary>A message taken from a queue: its headers (as text) and body.</summary>
public sealed record QueuedMessage(IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>Looks into the broker's queues with the plain AMQP client: counts, dead letters and their fault headers, cleanup.</summary>
public sealed class BrokerQueues(string amqpUri)
{
    private readonly ConnectionFactory _factory = new() { Uri = new Uri(amqpUri) };

    /// <summary>Ready messages of the queue (0 when it does not exist).</summary>
    public async Task<uint> CountAsync(string queue)
    {
        await using var connection = await _factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }

    /// <summary>Takes every ready message of the queue.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> TakeAllAsync(string queue)
    {
        var taken = new List<QueuedMessage>();
        await using var connection = await _factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
            {
                var headers = (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
                    .ToDictionary(h => h.Key, h => h.Value switch { byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes), null => "", var other => other.ToString() ?? "" });
                taken.Add(new QueuedMessage(headers, System.Text.Encoding.UTF8.GetString(result.Body.Span)));
            }
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // no such queue: nothing in it
        }

        return taken;
    }

    /// <summary>Deletes the queues and the exchanges of the same names (MassTransit binds each queue to one).</summary>
    public async Task DeleteAsync(IEnumerable<string> names)
    {
        await using var connection = await _factory.CreateConnectionAsync();
        foreach (var name in names)
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }
}
