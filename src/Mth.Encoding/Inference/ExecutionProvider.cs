namespace Mth.Encoding.Inference;

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum ExecutionProviderKind
{
    Cpu,
    Cuda,
}

/// <summary>Which execution provider to ask for.</summary>
public enum ExecutionProviderPreference
{
    /// <summary>CUDA when its libraries load, CPU otherwise (the reason is kept in the report).</summary>
    Automatic,

    /// <summary>CPU only.</summary>
    Cpu,

    /// <summary>CUDA or fail: for machines where a silent CPU fallback would be a fault.</summary>
    Cuda,
}
