using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mth.Hosting.Messaging;

/// <summary>
/// One bus per process, shared by every service the process hosts (the all-in-one mode hosts
/// Ingest, Encoder and Query together). Each service declares what it adds to the bus with
/// <see cref="AddMthBusParticipant"/>; the host calls <see cref="AddMthMessaging"/> once,
/// after the services, and the transport comes from configuration alone.
/// </summary>
public static class MessagingRegistration
{
    public static IServiceCollection AddMthBusParticipant(this IServiceCollection services, Action<IBusRegistrationConfigurator> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddSingleton(new BusParticipant(configure));
    }

    public static IHostApplicationBuilder AddMthMessaging(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(MessagingOptions.Section).Get<MessagingOptions>() ?? new MessagingOptions();
        builder.Services.AddValidatedOptions<MessagingOptions>(MessagingOptions.Section);

        var participants = builder.Services
            .Where(d => d.ServiceType == typeof(BusParticipant) && d.ImplementationInstance is BusParticipant)
            .Select(d => (BusParticipant)d.ImplementationInstance!)
            .ToList();

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.EndpointPrefix, includeNamespace: false));
            foreach (var participant in participants)
            {
                participant.Configure(bus);
            }

            switch (options.Transport)
            {
                case MessagingTransport.InMemory:
                    bus.UsingInMemory((context, cfg) =>
                    {
                        ConfigureCommon(context, cfg, options);
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
                default:
                    bus.UsingRabbitMq((context, cfg) =>
                    {
                        cfg.Host(new Uri(options.RabbitMqUri), host =>
                        {
                            // A publish completes only when the broker has taken the message.
                            host.PublisherConfirmation = true;
                        });
                        ConfigureCommon(context, cfg, options);
                        cfg.ConfigureEndpoints(context);
                    });
                    break;
            }
        });
        return builder;
    }

    /// <summary>What every transport gets: exchanges named with the deployment's prefix, message ids in the log context of consumers.</summary>
    private static void ConfigureCommon(IBusRegistrationContext context, IBusFactoryConfigurator cfg, MessagingOptions options)
    {
        cfg.MessageTopology.SetEntityNameFormatter(new PrefixedEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, options.EndpointPrefix));
        cfg.UseConsumeFilter(typeof(CorrelationLogContextFilter<>), context);
    }

    /// <summary>What one hosted service adds to the shared bus (consumers, endpoints, request clients).</summary>
    public sealed record BusParticipant(Action<IBusRegistrationConfigurator> Configure);
}
