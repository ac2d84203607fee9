using System.Numerics;

namespace Mth.Core.Hamming;

/// <summary>Hamming distance between codes packed as 64-bit words (hardware popcount through <see cref="BitOperations.PopCount(ulong)"/>).</summary>
public static class HammingDistance
{
    public static int Compute(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Codes of different lengths cannot be compared.", nameof(b));
        }

        var distance = 0;
        for (var i = 0; i < a.Length; i++)
        {
            distance += BitOperations.PopCount(a[i] ^ b[i]);
        }

        return distance;
    }
}
