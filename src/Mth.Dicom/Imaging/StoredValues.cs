using System.Buffers.Binary;

namespace Mth.Dicom.Imaging;

/// <summary>
/// Extracts stored values from a decoded frame (PS3.5 8.1.1): each sample occupies Bits
/// Allocated bits; its value is the Bits Stored bits ending at High Bit, two's complement
/// when Pixel Representation is 1. 1-bit samples are packed, least significant bit first.
/// </summary>
internal static class StoredValues
{
    /// <summary>The values of one sample (0 for grey, 0-2 for colour) of every pixel, in raster order.</summary>
    public static int[] Extract(DicomPixelData pixels, DecodedFrame frame, int sample)
    {
        var n = pixels.PixelCount;
        var samples = pixels.SamplesPerPixel;
        // Position of sample `sample` of pixel i, in units of samples: interleaved or planar.
        var (start, stride) = frame.IsPlanar ? ((long)sample * n, 1) : (sample, samples);
        var values = new int[n];
        Read(pixels, frame, start, stride, values);
        return values;
    }

    /// <summary>The first <paramref name="count"/> samples in stream order (for YBR_FULL_422).</summary>
    public static int[] ExtractSequential(DicomPixelData pixels, DecodedFrame frame, int count)
    {
        var values = new int[count];
        Read(pixels, frame, 0, 1, values);
        return values;
    }

    private static void Read(DicomPixelData pixels, DecodedFrame frame, long start, int stride, int[] values)
    {
        var bytes = frame.Bytes.AsSpan();
        var shift = pixels.HighBit - pixels.BitsStored + 1;
        var bitsStored = pixels.BitsStored;
        var mask = bitsStored == 32 ? uint.MaxValue : (1u << bitsStored) - 1;
        var signBit = 1u << (bitsStored - 1);
        var signed = pixels.IsSigned;
        var last = start + (long)(values.Length - 1) * stride;
        var needed = pixels.BitsAllocated == 1 ? (frame.BitOffset + last + 8) / 8 : (last + 1) * (pixels.BitsAllocated / 8);
        if (needed > bytes.Length)
        {
            throw new DicomImageException($"A frame needs {needed} bytes of pixel data; {bytes.Length} are there.");
        }

        // One loop per container size keeps the per-pixel work to a load, a shift and a mask.
        switch (pixels.BitsAllocated)
        {
            case 8:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Finish(bytes[(int)(start + (long)i * stride)], shift, mask, signBit, signed);
                }

                break;
            case 16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Finish(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(int)((start + (long)i * stride) * 2)..]), shift, mask, signBit, signed);
                }

                break;
            case 32:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Finish(BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)((start + (long)i * stride) * 4)..]), shift, mask, signBit, signed);
                }

                break;
            default:
                for (var i = 0; i < values.Length; i++)
                {
                    var bit = frame.BitOffset + start + (long)i * stride;
                    values[i] = Finish((uint)(bytes[(int)(bit >> 3)] >> (int)(bit & 7)) & 1, shift, mask, signBit, signed);
                }

                break;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Finish(uint raw, int shift, uint mask, uint signBit, bool signed)
    {
        var value = (raw >> shift) & mask;
        return signed && (value & signBit) != 0 ? (int)(value | ~mask) : (int)value;
    }
}
