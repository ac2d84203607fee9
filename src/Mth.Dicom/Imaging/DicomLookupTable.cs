using System.Buffers.Binary;
using Mth.Dicom.Data;

namespace Mth.Dicom.Imaging;

/// <summary>
/// A lookup table of the modality LUT, VOI LUT or palette colour modules (PS3.3 C.11.1,
/// C.11.2, C.7.6.3.1.5): a descriptor (number of entries, first input value mapped, bits per
/// entry) and 16-bit entries. Inputs below the first mapped value take the first entry,
/// inputs past the last take the last.
/// </summary>
public sealed class DicomLookupTable
{
    private readonly ushort[] _entries;

    private DicomLookupTable(int firstMapped, int bits, ushort[] entries)
    {
        FirstMapped = firstMapped;
        Bits = bits;
        _entries = entries;
    }

    public int FirstMapped { get; }

    public int Bits { get; }

    public int Count => _entries.Length;

    /// <summary>Largest value an entry can take (2^bits - 1).</summary>
    public int MaxOutput => (1 << Bits) - 1;

    public int this[int input] => _entries[Math.Clamp(input - FirstMapped, 0, _entries.Length - 1)];

    /// <summary>Reads a LUT from an item (or data set) holding a descriptor and data element.</summary>
    /// <param name="signedInput">Whether input values are signed (Pixel Representation 1), which makes a first mapped value above 32767 negative.</param>
    /// <param name="segmented">True when the data element holds segmented palette data (PS3.3 C.7.9.2).</param>
    /// <exception cref="DicomImageException">The descriptor or the data is missing or malformed.</exception>
    public static DicomLookupTable Read(DicomDataSet dataSet, DicomTag descriptorTag, DicomTag dataTag, bool signedInput, bool segmented = false)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        if (dataSet.GetValueCount(descriptorTag) < 3
            || !dataSet.TryGetInt32(descriptorTag, out var count, 0)
            || !dataSet.TryGetInt32(descriptorTag, out var first, 1)
            || !dataSet.TryGetInt32(descriptorTag, out var bits, 2))
        {
            throw new DicomImageException($"LUT descriptor {descriptorTag} is missing or does not hold three numbers.");
        }

        count = count == 0 ? 65536 : count;
        if (signedInput && first > short.MaxValue)
        {
            first -= 65536;
        }

        if (bits is < 1 or > 16)
        {
            throw new DicomImageException($"LUT descriptor {descriptorTag} gives {bits} bits per entry (1 to 16 allowed).");
        }

        var data = dataSet.GetValue(dataTag) ?? throw new DicomImageException($"LUT data {dataTag} is missing.");
        if (data.Length > 1 << 20)
        {
            throw new DicomImageException($"LUT data {dataTag} is {data.Length} bytes, more than a LUT can need.");
        }

        var bytes = data.ToArray();
        var entries = segmented ? ExpandSegmented(bytes, count, dataTag) : Entries(bytes, count, bits, dataTag);
        return new DicomLookupTable(first, bits, entries);
    }

    /// <summary>Entry values as fractions of <see cref="MaxOutput"/>.</summary>
    public float Normalized(int input) => (float)this[input] / MaxOutput;

    private static ushort[] Entries(byte[] bytes, int count, int bits, DicomTag dataTag)
    {
        var entries = new ushort[count];
        if (bits <= 8 && bytes.Length is var length && (length == count || length == count + 1) && length < count * 2)
        {
            // 8-bit entries packed two per 16-bit word (seen in the wild, allowed by older editions).
            for (var i = 0; i < count; i++)
            {
                entries[i] = bytes[i];
            }

            return entries;
        }

        if (bytes.Length < count * 2)
        {
            throw new DicomImageException($"LUT data {dataTag} holds {bytes.Length / 2} entries; its descriptor says {count}.");
        }

        for (var i = 0; i < count; i++)
        {
            entries[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2));
        }

        return entries;
    }

    /// <summary>
    /// Segmented palette data (PS3.3 C.7.9.2): discrete segments (opcode 0), linear segments
    /// (opcode 1) from the previous value, and indirect segments (opcode 2) that repeat earlier
    /// segments. Indirect segments may not nest.
    /// </summary>
    private static ushort[] ExpandSegmented(byte[] bytes, int count, DicomTag dataTag)
    {
        var words = new ushort[bytes.Length / 2];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2));
        }

        var output = new List<ushort>(count);
        ExpandSegments(words, 0, words.Length, int.MaxValue, output, count, allowIndirect: true, dataTag);
        if (output.Count < count)
        {
            throw new DicomImageException($"Segmented LUT data {dataTag} expands to {output.Count} entries; its descriptor says {count}.");
        }

        return [.. output.Take(count)];
    }

    private static void ExpandSegments(ushort[] words, int start, int end, int maxSegments, List<ushort> output, int count, bool allowIndirect, DicomTag dataTag)
    {
        var i = start;
        for (var segment = 0; segment < maxSegments && i < end && output.Count < count; segment++)
        {
            if (i + 1 >= end)
            {
                throw Malformed(dataTag);
            }

            var opcode = words[i];
            var length = words[i + 1];
            i += 2;
            switch (opcode)
            {
                case 0:
                    if (i + length > end)
                    {
                        throw Malformed(dataTag);
                    }

                    for (var k = 0; k < length && output.Count < count; k++)
                    {
                        output.Add(words[i + k]);
                    }

                    i += length;
                    break;
                case 1:
                    if (output.Count == 0 || i >= end)
                    {
                        throw Malformed(dataTag);
                    }

                    var from = output[^1];
                    var to = words[i++];
                    for (var k = 1; k <= length && output.Count < count; k++)
                    {
                        output.Add((ushort)Math.Round(from + (to - from) * (double)k / length));
                    }

                    break;
                case 2 when allowIndirect:
                    if (i + 1 >= end)
                    {
                        throw Malformed(dataTag);
                    }

                    var offset = words[i] | (words[i + 1] << 16);
                    i += 2;
                    if (offset < 0 || offset >= start + (i - start) - 4)
                    {
                        throw Malformed(dataTag);
                    }

                    ExpandSegments(words, offset, end, length, output, count, allowIndirect: false, dataTag);
                    break;
                default:
                    throw Malformed(dataTag);
            }
        }
    }

    private static DicomImageException Malformed(DicomTag dataTag) => new($"Segmented LUT data {dataTag} is malformed.");
}
