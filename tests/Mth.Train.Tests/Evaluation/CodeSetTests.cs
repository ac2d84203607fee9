using Mth.Train.Evaluation;

namespace Mth.Train.Tests.Evaluation;

public sealed class CodeSetTests
{
    [Fact]
    public void Hash_outputs_become_bytes_with_bit_zero_the_most_significant_bit_of_byte_zero()
    {
        float[] outputs = [0.5f, -0.1f, 0f, -1f, -1f, -1f, -1f, 0.9f, /* byte 1 */ -1f, -1f, -1f, -1f, -1f, -1f, -1f, 1e-9f];

        var codes = CodeSet.FromHashOutputs(16, outputs, 1);

        Assert.Equal([0b1010_0001, 0b0000_0001], codes.GetBytes(0));
    }

    [Fact]
    public void Hamming_distance_counts_differing_bits_across_words()
    {
        var a = new byte[12];
        var b = new byte[12];
        b[0] = 0xFF;
        b[11] = 0x81;
        var codes = CodeSet.FromBytes(96, [a, b]);

        Assert.Equal(2, codes.WordsPerCode);
        Assert.Equal(10, codes.Distance(0, codes, 1));
        Assert.Equal(b, codes.GetBytes(1));
    }
}
