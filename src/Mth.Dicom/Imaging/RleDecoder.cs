using System.Buffers.Binary;

namespace Mth.Dicom.Imaging;

/// <summary>
/// RLE Lossless decompression (PS3.5 Annex G): a 64-byte header of segment offsets, then one
/// PackBits segment per byte plane (for each sample, most significant byte first).
/// </summary>
internal static class RleDecoder
{
    /// <summary>
    /// Decodes one frame into little-endian samples, plane by plane (all of sample 0, then
    /// sample 1 …), whatever the Planar Configuration attribute says (PS3.5 G.2).
    /// </summary>
    public static byte[] DecodeFrame(ReadOnlySpan<byte> encoded, int pixelCount, int samplesPerPixel, int bytesPerSample)
    {
        if (encoded.Length < 64)
        {
            throw new DicomImageException("RLE frame is shorter than its 64-byte header.");
        }

        var segmentCount = BinaryPrimitives.ReadUInt32LittleEndian(encoded);
        var expected = samplesPerPixel * bytesPerSample;
        if (segmentCount != expected)
        {
            throw new DicomImageException($"RLE frame has {segmentCount} segments; {samplesPerPixel} samples of {bytesPerSample} bytes need {expected}.");
        }

        // PackBits expands at most 64-fold (2 bytes for a run of 128): a frame the segments
        // cannot fill is refused before its buffer is allocated.
        for (var segment = 0; segment < expected; segment++)
        {
            var (start, end) = SegmentBounds(encoded, segment, expected);
            if ((long)pixelCount > ((end - start) / 2 + 1) * 128L)
            {
                throw new DicomImageException($"RLE segment {segment + 1} ({end - start} bytes) cannot hold the {pixelCount} bytes its frame needs.");
            }
        }

        var output = new byte[checked(pixelCount * expected)];
        for (var segment = 0; segment < expected; segment++)
        {
            var (start, end) = SegmentBounds(encoded, segment, expected);

            var sample = segment / bytesPerSample;
            var byteInSample = bytesPerSample - 1 - segment % bytesPerSample; // most significant first
            DecodeSegment(encoded[(int)start..(int)end], output.AsSpan(sample * pixelCount * bytesPerSample), byteInSample, bytesPerSample, pixelCount);
        }

        return output;
    }

    private static (uint Start, uint End) SegmentBounds(ReadOnlySpan<byte> encoded, int segment, int segments)
    {
        var start = BinaryPrimitives.ReadUInt32LittleEndian(encoded[(4 + segment * 4)..]);
        var end = segment + 1 < segments ? BinaryPrimitives.ReadUInt32LittleEndian(encoded[(8 + segment * 4)..]) : (uint)encoded.Length;
        if (start < 64 || start > end || end > encoded.Length)
        {
            throw new DicomImageException($"RLE segment {segment + 1} has offsets outside its frame.");
        }

        return (start, end);
    }

    /// <summary>PackBits: n in 0..127 copies n+1 literal bytes, n in -127..-1 repeats the next byte 1-n times, -128 is a no-op.</summary>
    private static void DecodeSegment(ReadOnlySpan<byte> segment, Span<byte> plane, int byteInSample, int stride, int pixelCount)
    {
        var written = 0;
        var i = 0;
        while (written < pixelCount && i < segment.Length)
        {
            var control = (sbyte)segment[i++];
            if (control >= 0)
            {
                var count = Math.Min(control + 1, pixelCount - written);
                if (i + count > segment.Length)
                {
                    throw new DicomImageException("RLE literal run extends past the end of its segment.");
                }

                if (stride == 1)
                {
                    segment.Slice(i, count).CopyTo(plane[written..]);
                }
                else
                {
                    for (var k = 0; k < count; k++)
                    {
                        plane[(written + k) * stride + byteInSample] = segment[i + k];
                    }
                }

                i += control + 1;
                written += count;
            }
            else if (control != -128)
            {
                if (i >= segment.Length)
                {
                    throw new DicomImageException("RLE replicate run has no byte to repeat.");
                }

                var value = segment[i++];
                var count = Math.Min(1 - control, pixelCount - written);
                if (stride == 1)
                {
                    plane.Slice(written, count).Fill(value);
                }
                else
                {
                    for (var k = 0; k < count; k++)
                    {
                        plane[(written + k) * stride + byteInSample] = value;
                    }
                }

                written += count;
            }
        }

        if (written < pixelCount)
        {
            throw new DicomImageException($"RLE segment decodes to {written} bytes; the frame needs {pixelCount}.");
        }
    }
}
