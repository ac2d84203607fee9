using Mth.Encoding.Codes;

namespace Mth.Encoding.Tests;

public sealed class HashCodesTests
{
    [Fact]
    public void Byte_i_holds_bits_8i_to_8i_plus_7_most_significant_first_and_zero_counts_as_one()
    {
        float[] outputs = [1f, -1f, -1f, -1f, -1f, -1f, -1f, 0f, -0.5f, 0.5f, -1f, -1f, -1f, -1f, -1f, -1f];

        var code = HashCodes.Pack(outputs);

        Assert.Equal([0x81, 0x40], code);
        Assert.True(HashCodes.Bit(code, 0));
        Assert.True(HashCodes.Bit(code, 9));
        Assert.False(HashCodes.Bit(code, 8));
        Assert.Equal("8140", HashCodes.ToHex(code));
        Assert.Equal(code, HashCodes.FromHex("8140"));
    }

    [Fact]
    public void Code_lengths_must_be_whole_bytes_and_outputs_numbers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HashCodes.Pack(new float[12]));
        Assert.Throws<ArgumentException>(() => HashCodes.Pack([float.NaN, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<FormatException>(() => HashCodes.FromHex("zz"));
    }
}
