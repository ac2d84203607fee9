using System.ComponentModel.DataAnnotations;

namespace Mth.Hosting.Messaging;

/// <summary>Which message transport a process uses: RabbitMQ in production, in memory in the all-in-one mode and some tests.</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    public MessagingTransport Transport { get; set; } = MessagingTransport.RabbitMq;

    /// <summary>amqp://user:password@host:port/vhost</summary>
    [Required]
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>Prefix of every queue and exchange this system creates, so several deployments can share a broker.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,30}$")]
    public string EndpointPrefix { get; set; } = "mth";
}

public enum MessagingTransport
{
    RabbitMq,
    InMemory,
}
