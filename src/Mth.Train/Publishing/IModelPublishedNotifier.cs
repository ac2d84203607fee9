using Mth.Encoding.Manifest;

namespace Mth.Train.Publishing;

/// <summary>
/// Told after a model has been published into the registry. The pipeline connects the message
/// bus here (a model-published event that encoders act on); without one, publishing only copies.
/// </summary>
public interface IModelPublishedNotifier
{
    Task NotifyAsync(PublishResult result, ModelRegistry registry, CancellationToken cancellationToken);
}
