namespace Mth.Encoding.Inference;

/// <summary>Settings of a <see cref="HashEncoder"/>.</summary>
public sealed record HashEncoderOptions
{
    public ExecutionProviderPreference ExecutionProvider { get; init; } = ExecutionProviderPreference.Automatic;

    public int CudaDeviceId { get; init; }

    /// <summary>Images per ONNX Runtime call; larger requests are cut into batches of this size.</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>Threads inside one CPU inference; 0 lets ONNX Runtime choose (all cores).</summary>
    public int IntraOpThreads { get; init; }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(CudaDeviceId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads);
    }
}
