using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mth.Core.Hamming;

/// <summary>
/// Linear Hamming scans over a dense array of codes (<c>wordsPerCode</c> words each), reporting every code
/// whose distance is at most the sink's threshold. The SIMD kernels apply to 64-bit codes, the case the
/// benchmark targets measure; there a vector popcount (nibble lookup + sum of absolute differences) beats
/// one popcnt per code by about 2x. Longer codes use scalar popcnt per word, which is already one
/// instruction per word.
/// </summary>
internal static class HammingScan
{
    public static ScanKernel Best { get; } =
        Avx512BW.IsSupported ? ScanKernel.Avx512 : Avx2.IsSupported ? ScanKernel.Avx2 : ScanKernel.Scalar;

    public static bool IsSupported(ScanKernel kernel) => kernel switch
    {
        ScanKernel.Scalar => true,
        ScanKernel.Avx2 => Avx2.IsSupported,
        ScanKernel.Avx512 => Avx512BW.IsSupported,
        _ => false,
    };

    /// <summary>Scans <paramref name="codes"/> (slots 0..n-1) with the best kernel the CPU supports.</summary>
    public static void Scan<TSink>(ReadOnlySpan<ulong> codes, int wordsPerCode, ReadOnlySpan<ulong> query, ref TSink sink)
        where TSink : struct, IScanSink
        => Scan(Best, codes, wordsPerCode, query, ref sink);

    public static void Scan<TSink>(ScanKernel kernel, ReadOnlySpan<ulong> codes, int wordsPerCode, ReadOnlySpan<ulong> query, ref TSink sink)
        where TSink : struct, IScanSink
    {
        if (query.Length != wordsPerCode || codes.Length % wordsPerCode != 0)
        {
            throw new ArgumentException("The query and the codes must have the same number of words per code.");
        }

        if (wordsPerCode == 1)
        {
            var done = kernel switch
            {
                ScanKernel.Avx512 when Avx512BW.IsSupported => ScanOneWordAvx512(codes, query[0], ref sink),
                ScanKernel.Avx2 when Avx2.IsSupported => ScanOneWordAvx2(codes, query[0], ref sink),
                _ => 0,
            };
            ScanOneWordScalar(codes, done, query[0], ref sink);
            return;
        }

        if (wordsPerCode == 2)
        {
            ScanTwoWordsScalar(codes, query[0], query[1], ref sink);
            return;
        }

        ScanManyWordsScalar(codes, wordsPerCode, query, ref sink);
    }

    private static void ScanOneWordScalar<TSink>(ReadOnlySpan<ulong> codes, int start, ulong query, ref TSink sink)
        where TSink : struct, IScanSink
    {
        var threshold = sink.Threshold;
        for (var i = start; i < codes.Length; i++)
        {
            var distance = BitOperations.PopCount(codes[i] ^ query);
            if (distance <= threshold)
            {
                sink.Hit(distance, i);
                threshold = sink.Threshold;
            }
        }
    }

    private static void ScanTwoWordsScalar<TSink>(ReadOnlySpan<ulong> codes, ulong q0, ulong q1, ref TSink sink)
        where TSink : struct, IScanSink
    {
        var threshold = sink.Threshold;
        var n = codes.Length / 2;
        for (var i = 0; i < n; i++)
        {
            var distance = BitOperations.PopCount(codes[2 * i] ^ q0) + BitOperations.PopCount(codes[2 * i + 1] ^ q1);
            if (distance <= threshold)
            {
                sink.Hit(distance, i);
                threshold = sink.Threshold;
            }
        }
    }

    private static void ScanManyWordsScalar<TSink>(ReadOnlySpan<ulong> codes, int wordsPerCode, ReadOnlySpan<ulong> query, ref TSink sink)
        where TSink : struct, IScanSink
    {
        var threshold = sink.Threshold;
        var n = codes.Length / wordsPerCode;
        for (var i = 0; i < n; i++)
        {
            var code = codes.Slice(i * wordsPerCode, wordsPerCode);
            var distance = 0;
            for (var w = 0; w < code.Length; w++)
            {
                distance += BitOperations.PopCount(code[w] ^ query[w]);
            }

            if (distance <= threshold)
            {
                sink.Hit(distance, i);
                threshold = sink.Threshold;
            }
        }
    }

    /// <summary>Returns how many leading codes it scanned (a multiple of 8); the caller scans the rest.</summary>
    private static int ScanOneWordAvx512<TSink>(ReadOnlySpan<ulong> codes, ulong query, ref TSink sink)
        where TSink : struct, IScanSink
    {
        var lookup = NibbleCounts512();
        var lowNibble = Vector512.Create((byte)0x0F);
        var q = Vector512.Create(query);
        var threshold = sink.Threshold;
        var limit = Vector512.Create((ulong)threshold);
        ref var first = ref MemoryMarshal.GetReference(codes);
        var blocks = codes.Length / 8;
        for (var b = 0; b < blocks; b++)
        {
            var x = Vector512.LoadUnsafe(ref first, (nuint)(b * 8)) ^ q;
            var bytes = x.AsByte();
            var counts = Avx512BW.Shuffle(lookup, bytes & lowNibble)
                + Avx512BW.Shuffle(lookup, Avx512BW.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & lowNibble);
            var distances = Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64();
            var mask = Vector512.LessThanOrEqual(distances, limit).ExtractMostSignificantBits();
            while (mask != 0)
            {
                var lane = BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                var distance = (int)distances.GetElement(lane);
                if (distance <= threshold)
                {
                    sink.Hit(distance, b * 8 + lane);
                    threshold = sink.Threshold;
                }
            }

            limit = Vector512.Create((ulong)threshold);
        }

        return blocks * 8;
    }

    private static int ScanOneWordAvx2<TSink>(ReadOnlySpan<ulong> codes, ulong query, ref TSink sink)
        where TSink : struct, IScanSink
    {
        var lookup = NibbleCounts256();
        var lowNibble = Vector256.Create((byte)0x0F);
        var q = Vector256.Create(query);
        var threshold = sink.Threshold;
        var limit = Vector256.Create((ulong)threshold);
        ref var first = ref MemoryMarshal.GetReference(codes);
        var blocks = codes.Length / 4;
        for (var b = 0; b < blocks; b++)
        {
            var x = Vector256.LoadUnsafe(ref first, (nuint)(b * 4)) ^ q;
            var counts = Avx2.Shuffle(lookup, x.AsByte() & lowNibble)
                + Avx2.Shuffle(lookup, Avx2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & lowNibble);
            var distances = Avx2.SumAbsoluteDifferences(counts, Vector256<byte>.Zero).AsUInt64();
            var mask = Vector256.LessThanOrEqual(distances, limit).ExtractMostSignificantBits();
            while (mask != 0)
            {
                var lane = BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                var distance = (int)distances.GetElement(lane);
                if (distance <= threshold)
                {
                    sink.Hit(distance, b * 4 + lane);
                    threshold = sink.Threshold;
                }
            }

            limit = Vector256.Create((ulong)threshold);
        }

        return blocks * 4;
    }

    // Popcount of each nibble value 0..15, repeated per 128-bit lane (vpshufb looks up within lanes).
    private static Vector128<byte> NibbleCounts128() =>
        Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);

    private static Vector256<byte> NibbleCounts256() => Vector256.Create(NibbleCounts128(), NibbleCounts128());

    private static Vector512<byte> NibbleCounts512() => Vector512.Create(NibbleCounts256(), NibbleCounts256());
}
