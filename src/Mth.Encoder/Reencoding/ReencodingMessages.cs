namespace Mth.Encoder.Reencoding;

/// <summary>
/// Command among encoders (queue <c>&lt;prefix&gt;-encoder-reencoding</c>, one consumer gets it): list the next
/// part of the instance store for job <see cref="JobId"/>, record its chunks, publish them and the next step.
/// </summary>
public sealed record PlanReencoding
{
    public required string JobId { get; init; }
    public required string TargetVersion { get; init; }

    /// <summary>The index of the step's first chunk (the job's planned chunk count when the step was sent).</summary>
    public required int FromChunk { get; init; }
}

/// <summary>Command among encoders: encode these stored instances into <see cref="TargetVersion"/> and mark chunk <see cref="ChunkIndex"/> done.</summary>
public sealed record ReencodeChunk
{
    public required string JobId { get; init; }
    public required string TargetVersion { get; init; }
    public required int ChunkIndex { get; init; }
    public required IReadOnlyList<string> StorageKeys { get; init; }
}
