using Mth.Dicom.Network.Storage.Journal;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>CRC-32C of journal records and spooled instances: the standard's value, however the input is split.</summary>
public sealed class Crc32CTests
{
    [Fact]
    public void The_check_value_of_the_standard_is_computed()
    {
        // RFC 3720 (iSCSI), CRC-32C of "123456789".
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(12_287)]
    [InlineData(12_288)]
    [InlineData(12_289)]
    [InlineData(65_536)]
    [InlineData(540_001)]
    public void Long_inputs_taken_three_blocks_at_a_time_give_the_bitwise_value(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        Assert.Equal(Bitwise(data), Crc32C.Compute(data));
    }

    [Fact]
    public void Appending_in_pieces_of_any_size_gives_the_value_of_the_whole()
    {
        var data = new byte[200_000];
        var random = new Random(3);
        random.NextBytes(data);
        var crc = new Crc32C();

        for (var offset = 0; offset < data.Length;)
        {
            var piece = Math.Min(data.Length - offset, random.Next(1, 40_000));
            crc.Append(data.AsSpan(offset, piece));
            offset += piece;
        }

        Assert.Equal(Bitwise(data), crc.Value);
    }

    /// <summary>The definition, one bit at a time (reflected polynomial 0x82F63B78).</summary>
    private static uint Bitwise(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
