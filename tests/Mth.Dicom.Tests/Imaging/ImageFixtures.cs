using System.Buffers.Binary;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Imaging;

/// <summary>Image fixtures written by dump2dcm from deterministic pixel values.</summary>
internal static class ImageFixtures
{
    /// <summary>A smooth ramp with a pseudo-random texture: every grey level range gets exercised.</summary>
    public static int[] Pattern(int count, int min, int max, int seed)
    {
        var random = new Random(seed);
        var values = new int[count];
        for (var i = 0; i < count; i++)
        {
            var ramp = min + (long)(max - min) * i / Math.Max(1, count - 1);
            var noise = random.Next(-(max - min) / 16, (max - min) / 16 + 1);
            values[i] = (int)Math.Clamp(ramp + noise, min, max);
        }

        return values;
    }

    /// <summary>Packs stored values into Bits Allocated containers at High Bit (little endian); bits above the stored ones get garbage, as overlays in high bits do.</summary>
    public static byte[] Pack(int[] values, int bitsAllocated, int bitsStored, int highBit, bool garbageAboveHighBit = true)
    {
        var bytesPerSample = bitsAllocated / 8;
        var bytes = new byte[values.Length * bytesPerSample];
        var shift = highBit - bitsStored + 1;
        var mask = bitsStored == 32 ? uint.MaxValue : (1u << bitsStored) - 1;
        for (var i = 0; i < values.Length; i++)
        {
            var container = ((uint)values[i] & mask) << shift;
            if (garbageAboveHighBit && highBit + 1 < bitsAllocated)
            {
                container |= (uint)(i % 3) << (highBit + 1);
            }

            switch (bytesPerSample)
            {
                case 1:
                    bytes[i] = (byte)container;
                    break;
                case 2:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)container);
                    break;
                default:
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), container);
                    break;
            }
        }

        return bytes;
    }

    public static DicomDumpBuilder Grey(int rows, int columns, int bitsAllocated, int bitsStored, int highBit, bool signed, int[] values,
        string photometric = "MONOCHROME2", int frames = 0)
    {
        var builder = DicomDumpBuilder.WithSopCommon()
            .Add("(0008,0060) CS [OT]")
            .Add("(0028,0002) US 1")
            .Add($"(0028,0004) CS [{photometric}]")
            .Add($"(0028,0010) US {rows}")
            .Add($"(0028,0011) US {columns}")
            .Add($"(0028,0100) US {bitsAllocated}")
            .Add($"(0028,0101) US {bitsStored}")
            .Add($"(0028,0102) US {highBit}")
            .Add($"(0028,0103) US {(signed ? 1 : 0)}");
        if (frames > 0)
        {
            builder.Add($"(0028,0008) IS [{frames}]");
        }

        return builder.AddBinary("7fe0,0010", bitsAllocated == 8 ? "OB" : "OW", Pack(values, bitsAllocated, bitsStored, highBit));
    }

    /// <summary>Three 8-bit samples per pixel, interleaved (planar 0) or by plane (planar 1).</summary>
    public static DicomDumpBuilder Colour(int rows, int columns, string photometric, int planarConfiguration, byte[] interleaved)
    {
        var bytes = interleaved;
        if (planarConfiguration == 1)
        {
            var n = rows * columns;
            bytes = new byte[interleaved.Length];
            for (var i = 0; i < n; i++)
            {
                for (var c = 0; c < 3; c++)
                {
                    bytes[c * n + i] = interleaved[i * 3 + c];
                }
            }
        }

        return DicomDumpBuilder.WithSopCommon()
            .Add("(0028,0002) US 3")
            .Add($"(0028,0004) CS [{photometric}]")
            .Add($"(0028,0006) US {planarConfiguration}")
            .Add($"(0028,0010) US {rows}")
            .Add($"(0028,0011) US {columns}")
            .Add("(0028,0100) US 8")
            .Add("(0028,0101) US 8")
            .Add("(0028,0102) US 7")
            .Add("(0028,0103) US 0")
            .AddBinary("7fe0,0010", "OB", bytes);
    }

    public static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
