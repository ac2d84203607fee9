using Mth.Encoding.Manifest;

namespace Mth.Train.Publishing;

/// <summary>
/// `mth train publish`: verify a model folder, copy it atomically into the registry, then tell
/// the notifiers (only when something new was published).
/// </summary>
public sealed class ModelPublisher(ModelRegistry registry, IReadOnlyList<IModelPublishedNotifier> notifiers)
{
    /// <summary>Environment variable naming the registry when no option does.</summary>
    public const string RegistryVariable = "MTH_MODEL_REGISTRY";

    public ModelRegistry Registry { get; } = registry ?? throw new ArgumentNullException(nameof(registry));

    public async Task<PublishResult> PublishAsync(string modelDirectory, CancellationToken cancellationToken = default)
    {
        var package = await ModelPackage.OpenAsync(modelDirectory, cancellationToken).ConfigureAwait(false);
        var result = await Registry.PublishAsync(package, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == PublishOutcome.Published)
        {
            foreach (var notifier in notifiers)
            {
                await notifier.NotifyAsync(result, Registry, cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>The option if given, else <see cref="RegistryVariable"/>; null when neither says.</summary>
    public static string? ResolveRegistryLocation(string? option) =>
        !string.IsNullOrWhiteSpace(option) ? option : Environment.GetEnvironmentVariable(RegistryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
}
