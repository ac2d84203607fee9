using MassTransit;

namespace Mth.Hosting.Messaging;

/// <summary>
/// Puts the deployment's endpoint prefix in front of every message exchange name
/// (<c>mth.Mth.Contracts.V1:InstanceStored</c>), as the queues already carry it, so that
/// deployments and test runs sharing a broker never see each other's messages.
/// </summary>
public sealed class PrefixedEntityNameFormatter : IEntityNameFormatter
{
    private readonly IEntityNameFormatter _inner;
    private readonly string _prefix;

    public PrefixedEntityNameFormatter(IEntityNameFormatter inner, string prefix)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        _inner = inner;
        _prefix = prefix + ".";
    }

    public string FormatEntityName<T>() => _prefix + _inner.FormatEntityName<T>();
}
