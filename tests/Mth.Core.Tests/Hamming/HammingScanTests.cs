using Mth.Core.Codes;
using Mth.Core.Hamming;

namespace Mth.Core.Tests.Hamming;

public sealed class HammingScanTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        // Kernels the CPU lacks are not generated (the dispatcher never picks them there).
        foreach (var kernel in Enum.GetValues<ScanKernel>().Where(HammingScan.IsSupported))
        {
            foreach (var bits in new[] { 16, 64, 128, 136, 256 })
            {
                foreach (var count in new[] { 0, 1, 7, 8, 9, 31, 1000 })
                {
                    data.Add(kernel.ToString(), bits, count);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_kernel_reports_exactly_the_codes_within_the_threshold_with_their_distances(string kernelName, int bits, int count)
    {
        var kernel = Enum.Parse<ScanKernel>(kernelName);
        var source = SyntheticCodes.Clustered(bits, seed: count + bits);
        var words = new ulong[count * source.WordsPerCode];
        source.Fill(words);
        var query = source.Next();

        foreach (var threshold in new[] { 0, 3, bits / 4, bits / 2, bits })
        {
            var hits = new List<(int Slot, int Distance)>();
            var sink = new Core.Indexing.InMemory.RadiusSink(threshold, hits);
            HammingScan.Scan(kernel, words, source.WordsPerCode, query.Words, ref sink);

            var expected = Enumerable.Range(0, count)
                .Select(i => (Slot: i, Distance: HammingDistance.Compute(query.Words, words.AsSpan(i * source.WordsPerCode, source.WordsPerCode))))
                .Where(h => h.Distance <= threshold)
                .ToList();
            Assert.Equal(expected, hits);
        }
    }

    [Fact]
    public void The_dispatcher_picks_a_kernel_the_cpu_supports() => Assert.True(HammingScan.IsSupported(HammingScan.Best));
}
