namespace Mth.Core.Hamming;

/// <summary>
/// Receives the codes of a scan whose distance is at most <see cref="Threshold"/>. Implemented by
/// structs so that the JIT specialises each kernel for its sink (no virtual call per code).
/// </summary>
internal interface IScanSink
{
    /// <summary>The largest distance still of interest; it may shrink after each <see cref="Hit"/>.</summary>
    int Threshold { get; }

    void Hit(int distance, int slot);
}
