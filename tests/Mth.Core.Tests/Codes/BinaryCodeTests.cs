using Mth.Core.Codes;

namespace Mth.Core.Tests.Codes;

public sealed class BinaryCodeTests
{
    [Fact]
    public void Byte_zero_holds_the_first_eight_bits_most_significant_first()
    {
        var code = BinaryCode.FromBytes([0b1000_0000, 0x00, 0x00, 0x01]);

        Assert.True(code[0]);
        Assert.False(code[1]);
        Assert.True(code[31]);
        Assert.Equal(32, code.Bits);
        Assert.Equal("80000001", code.ToHex());
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(48)]
    [InlineData(64)]
    [InlineData(72)]
    [InlineData(200)]
    [InlineData(256)]
    public void Every_multiple_of_eight_from_16_to_256_round_trips_through_bytes_hex_and_words(int bits)
    {
        var random = new Random(bits);
        var bytes = new byte[bits / 8];
        random.NextBytes(bytes);

        var code = BinaryCode.FromBytes(bytes);

        Assert.Equal(bytes, code.ToBytes());
        Assert.Equal(code, BinaryCode.FromHex(code.ToHex()));
        Assert.Equal(code, BinaryCode.FromWords(code.Words, bits));
        for (var bit = 0; bit < bits; bit++)
        {
            Assert.Equal((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0, code[bit]);
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(264)]
    [InlineData(0)]
    public void Lengths_outside_the_rule_are_refused_with_the_rule_in_the_message(int bits)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => BinaryCode.FromBytes(new byte[Math.Max(0, bits / 8)]));
        Assert.Contains("2 to 32 bytes", error.Message);
        Assert.False(BinaryCode.IsValidLength(bits));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz00")]
    [InlineData("00")]
    public void Malformed_hex_is_refused(string hex) =>
        Assert.Throws<FormatException>(() => BinaryCode.FromHex(hex));

    [Fact]
    public void Words_with_bits_set_past_the_code_length_are_refused() =>
        Assert.Throws<ArgumentException>(() => BinaryCode.FromWords([ulong.MaxValue], 48));

    [Fact]
    public void Distance_counts_differing_bits_and_refuses_other_lengths()
    {
        var a = BinaryCode.FromHex("ffff0000");
        var b = BinaryCode.FromHex("0fff0001");

        Assert.Equal(5, a.DistanceTo(b));
        Assert.Equal(0, a.DistanceTo(a));
        Assert.Throws<ArgumentException>(() => a.DistanceTo(BinaryCode.FromHex("ffff")));
    }
}
