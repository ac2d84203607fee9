using System.Text;

namespace Mth.Index.Redis;

/// <summary>Redis Cluster's key-to-slot function: CRC16 (XMODEM) of the hash tag (the text inside the first non-empty {…}) modulo 16384.</summary>
public static class HashSlot
{
    public const int Count = 16384;

    public static int Of(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var open = Array.IndexOf(bytes, (byte)'{');
        if (open >= 0)
        {
            var close = Array.IndexOf(bytes, (byte)'}', open + 1);
            if (close > open + 1)
            {
                return Crc16(bytes.AsSpan(open + 1, close - open - 1)) % Count;
            }
        }

        return Crc16(bytes) % Count;
    }

    public static int Crc16(ReadOnlySpan<byte> data)
    {
        var crc = 0;
        foreach (var b in data)
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }

        return crc & 0xFFFF;
    }
}
