namespace Mth.Contracts.V1;

/// <summary>A model version was released into the model registry. Encoders verify, load and re-encode into a new index version.</summary>
public sealed record ModelPublished
{
    public required string ModelVersion { get; init; }

    /// <summary>The released model folder (model.onnx + manifest.json): a path or file:// URI in the registry.</summary>
    public required string Location { get; init; }

    /// <summary>SHA-256 of model.onnx, lower-case hex: encoders refuse an artifact that does not match.</summary>
    public required string Sha256 { get; init; }

    public required int Bits { get; init; }
    public required int InputSize { get; init; }
    public required DateTimeOffset PublishedAt { get; init; }
}
