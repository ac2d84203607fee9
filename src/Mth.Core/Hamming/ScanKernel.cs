namespace Mth.Core.Hamming;

/// <summary>The instruction sets a linear scan can use; <see cref="HammingScan.Best"/> picks the fastest the CPU has.</summary>
internal enum ScanKernel
{
    /// <summary>One popcnt per 64-bit word.</summary>
    Scalar,

    /// <summary>AVX2: 4 codes of 64 bits per step, nibble lookup popcount (vpshufb) and vpsadbw.</summary>
    Avx2,

    /// <summary>AVX-512 BW: 8 codes of 64 bits per step, same method on 512-bit registers.</summary>
    Avx512,
}
