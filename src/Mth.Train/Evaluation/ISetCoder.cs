using Mth.Train.Data;

namespace Mth.Train.Evaluation;

/// <summary>Something that turns every image of a set into a code: a released model (ONNX Runtime) or a training checkpoint (TorchSharp).</summary>
public interface ISetCoder : IDisposable
{
    /// <summary>Model version or run name, for reports.</summary>
    string Name { get; }

    int Bits { get; }

    /// <summary>One line for the log: what runs and where.</summary>
    string Description { get; }

    /// <summary>Codes in position order; progress to <paramref name="log"/>.</summary>
    Task<CodeSet> EncodeAsync(ImageSet set, TextWriter? log = null, CancellationToken cancellationToken = default);
}
