using DotNet.Testcontainers.Builders;
using Testcontainers.RabbitMq;

namespace Mth.Testing.RabbitMq;

/// <summary>RabbitMQ in a container, where a Docker engine answers (Testcontainers); null otherwise, within about 0.2 s.</summary>
public static class RabbitMqContainers
{
    public const string Image = "rabbitmq:3.13";

    /// <param name="hostPort">A fixed host port for AMQP (so a restarted container keeps its address); null for any.</param>
    public static async Task<RabbitMqContainer?> TryStartAsync(int? hostPort = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var builder = new RabbitMqBuilder(Image);
            if (hostPort is { } port)
            {
                builder = builder.WithPortBinding(port, 5672);
            }

            var container = builder.Build();
            await container.StartAsync(cancellationToken).ConfigureAwait(false);
            return container;
        }
        catch (DockerUnavailableException)
        {
            return null;
        }
    }
}
