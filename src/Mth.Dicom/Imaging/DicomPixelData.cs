using System.Buffers.Binary;
using Mth.Dicom.Data;

namespace Mth.Dicom.Imaging;

/// <summary>
/// The image pixel module of a data set (PS3.3 C.7.6.3) and access to one decoded frame at a
/// time: only the bytes of the requested frame are read from the file.
/// </summary>
public sealed class DicomPixelData
{
    private readonly DicomElement _pixelData;

    private DicomPixelData(DicomDataSet dataSet, TransferSyntax transferSyntax, DicomElement pixelData)
    {
        DataSet = dataSet;
        TransferSyntax = transferSyntax;
        _pixelData = pixelData;
        Rows = Required(dataSet, DicomTag.Rows);
        Columns = Required(dataSet, DicomTag.Columns);
        BitsAllocated = Required(dataSet, DicomTag.BitsAllocated);
        BitsStored = dataSet.TryGetInt32(DicomTag.BitsStored, out var stored) ? stored : BitsAllocated;
        HighBit = dataSet.TryGetInt32(DicomTag.HighBit, out var high) ? high : BitsStored - 1;
        IsSigned = dataSet.TryGetInt32(DicomTag.PixelRepresentation, out var representation) && representation == 1;
        SamplesPerPixel = dataSet.TryGetInt32(DicomTag.SamplesPerPixel, out var samples) ? samples : 1;
        PlanarConfiguration = dataSet.TryGetInt32(DicomTag.PlanarConfiguration, out var planar) ? planar : 0;
        NumberOfFrames = dataSet.TryGetInt32(DicomTag.NumberOfFrames, out var frames) && frames > 0 ? frames : 1;
        var term = dataSet.GetString(DicomTag.PhotometricInterpretation);
        Photometric = PhotometricInterpretations.Parse(term)
            ?? (term is null && SamplesPerPixel == 1 ? PhotometricInterpretation.Monochrome2
                : throw new DicomImageException($"Photometric Interpretation '{term}' is not one PS3.3 defines."));
        Validate();
    }

    public DicomDataSet DataSet { get; }

    public TransferSyntax TransferSyntax { get; }

    public int Rows { get; }

    public int Columns { get; }

    public int BitsAllocated { get; }

    public int BitsStored { get; }

    public int HighBit { get; }

    /// <summary>Pixel Representation 1: stored values are two's complement.</summary>
    public bool IsSigned { get; }

    public int SamplesPerPixel { get; }

    public int PlanarConfiguration { get; }

    public int NumberOfFrames { get; }

    public PhotometricInterpretation Photometric { get; }

    public int PixelCount => Rows * Columns;

    /// <summary>Reads the image attributes of a data set that has pixel data.</summary>
    /// <exception cref="DicomImageException">No pixel data, or image attributes missing or inconsistent.</exception>
    public static DicomPixelData Create(DicomDataSet dataSet, TransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        var pixelData = dataSet[DicomTag.PixelData];
        if (pixelData is null)
        {
            throw dataSet.Contains(DicomTag.FloatPixelData) || dataSet.Contains(DicomTag.DoubleFloatPixelData)
                ? new DicomImageException("Float Pixel Data and Double Float Pixel Data are not supported.")
                : new DicomImageException("The data set has no pixel data (7FE0,0010).");
        }

        return new DicomPixelData(dataSet, transferSyntax, pixelData);
    }

    /// <summary>
    /// One frame, decoded to native little-endian samples. <see cref="DecodedFrame.IsPlanar"/>
    /// says whether samples are grouped by plane (RLE always is).
    /// </summary>
    /// <exception cref="DicomUnsupportedTransferSyntaxException">The pixel data is compressed in a syntax this library does not decode.</exception>
    public DecodedFrame GetFrame(int frame)
    {
        if (frame < 0 || frame >= NumberOfFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), $"Frame {frame + 1} (index {frame}) was asked for; the image has {NumberOfFrames} frame(s).");
        }

        if (!DicomPixelDecoding.CanDecode(TransferSyntax))
        {
            throw new DicomUnsupportedTransferSyntaxException(TransferSyntax);
        }

        return _pixelData switch
        {
            DicomValueElement native when !TransferSyntax.IsEncapsulated => NativeFrame(native, frame),
            DicomFragmentSequence fragments when TransferSyntax.Equals(TransferSyntax.RleLossless) => RleFrame(fragments, frame),
            _ => throw new DicomImageException($"Pixel data is {(TransferSyntax.IsEncapsulated ? "native" : "encapsulated")}, which {TransferSyntax.Name} does not allow."),
        };
    }

    /// <summary>Bytes one native frame takes (for 1-bit data: rounded up; frames then share bytes).</summary>
    public long FrameLengthInBits => BitsPerPixel * PixelCount;

    private long BitsPerPixel => Photometric is PhotometricInterpretation.YbrFull422 or PhotometricInterpretation.YbrPartial422
        ? 2L * BitsAllocated // two luminance samples share one pair of chrominance samples
        : (long)SamplesPerPixel * BitsAllocated;

    private DecodedFrame NativeFrame(DicomValueElement element, int frame)
    {
        var value = element.Value;
        var startBit = frame * FrameLengthInBits;
        var start = startBit / 8;
        var bitOffset = (int)(startBit % 8);
        var length = (bitOffset + FrameLengthInBits + 7) / 8;
        if (start + length > value.Length)
        {
            throw new DicomImageException($"Pixel data holds {value.Length} bytes; frame {frame + 1} of {Rows}x{Columns}x{SamplesPerPixel} at {BitsAllocated} bits needs bytes up to {start + length}.");
        }

        var bytes = new byte[length];
        value.Read(start, bytes);
        if (BitsAllocated == 32 && TransferSyntax.IsBigEndian && element.VR == DicomVR.OW)
        {
            // OW values are swapped as 16-bit words when read; 32-bit samples need their halves exchanged too.
            for (var i = 0; i + 3 < bytes.Length; i += 4)
            {
                (bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]) = (bytes[i + 2], bytes[i + 3], bytes[i], bytes[i + 1]);
            }
        }

        return new DecodedFrame(bytes, bitOffset, PlanarConfiguration == 1);
    }

    private DecodedFrame RleFrame(DicomFragmentSequence pixelData, int frame)
    {
        if (BitsAllocated % 8 != 0)
        {
            throw new DicomImageException($"RLE pixel data with {BitsAllocated} bits allocated is not supported.");
        }

        var fragments = FragmentsOfFrame(pixelData, frame);
        var total = 0L;
        foreach (var fragment in fragments)
        {
            total += fragment.Length;
        }

        if (total > int.MaxValue)
        {
            throw new DicomImageException("An RLE frame is larger than 2 GB.");
        }

        var encoded = new byte[total];
        var offset = 0;
        foreach (var fragment in fragments)
        {
            fragment.Read(0, encoded.AsSpan(offset, (int)fragment.Length));
            offset += (int)fragment.Length;
        }

        var decoded = RleDecoder.DecodeFrame(encoded, PixelCount, SamplesPerPixel, BitsAllocated / 8);
        return new DecodedFrame(decoded, 0, IsPlanar: true);
    }

    /// <summary>
    /// The fragments that hold one frame (PS3.5 A.4): by the extended or basic offset table
    /// when present, else one fragment per frame, else every fragment for a single frame.
    /// </summary>
    private List<DicomValue> FragmentsOfFrame(DicomFragmentSequence pixelData, int frame)
    {
        var fragments = pixelData.Fragments;
        var offsets = FrameOffsets(pixelData);
        if (offsets is not null)
        {
            var start = offsets[frame];
            var end = frame + 1 < offsets.Length ? offsets[frame + 1] : long.MaxValue;
            var selected = new List<DicomValue>();
            long position = 0;
            foreach (var fragment in fragments)
            {
                if (position >= start && position < end)
                {
                    selected.Add(fragment);
                }

                position += 8 + fragment.Length;
            }

            return selected.Count > 0 ? selected : throw new DicomImageException($"The offset table points frame {frame + 1} at no fragment.");
        }

        if (fragments.Count == NumberOfFrames)
        {
            return [fragments[frame]];
        }

        if (NumberOfFrames == 1)
        {
            return fragments;
        }

        throw new DicomImageException($"{fragments.Count} fragments for {NumberOfFrames} frames and no offset table: the frames cannot be told apart.");
    }

    private long[]? FrameOffsets(DicomFragmentSequence pixelData)
    {
        if (DataSet.GetValue(DicomTag.ExtendedOffsetTable) is { Length: > 0 } extended)
        {
            return ReadOffsets(extended, 8);
        }

        return pixelData.OffsetTable.Length > 0 ? ReadOffsets(pixelData.OffsetTable, 4) : null;
    }

    private long[] ReadOffsets(DicomValue table, int size)
    {
        if (table.Length != (long)size * NumberOfFrames)
        {
            throw new DicomImageException($"The offset table has {table.Length / size} entries for {NumberOfFrames} frames.");
        }

        var bytes = table.ToArray();
        var offsets = new long[NumberOfFrames];
        for (var i = 0; i < offsets.Length; i++)
        {
            offsets[i] = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i * 4)) : (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
            if (i > 0 && offsets[i] <= offsets[i - 1])
            {
                throw new DicomImageException("The offset table is not increasing.");
            }
        }

        return offsets;
    }

    private void Validate()
    {
        if (Rows <= 0 || Columns <= 0)
        {
            throw new DicomImageException($"Rows and Columns must be positive (got {Rows}x{Columns}).");
        }

        if ((long)Rows * Columns > 1L << 28)
        {
            throw new DicomImageException($"A frame of {Rows}x{Columns} pixels is larger than this library renders.");
        }

        if (BitsAllocated is not (1 or 8 or 16 or 32))
        {
            throw new DicomImageException($"Bits Allocated {BitsAllocated} is not supported (1, 8, 16 or 32).");
        }

        if (BitsStored < 1 || BitsStored > BitsAllocated || HighBit < BitsStored - 1 || HighBit >= BitsAllocated)
        {
            throw new DicomImageException($"Bits Stored {BitsStored} and High Bit {HighBit} do not fit Bits Allocated {BitsAllocated}.");
        }

        if (BitsStored == 32 && !IsSigned)
        {
            throw new DicomImageException("Unsigned 32-bit stored values are not supported.");
        }

        var expectedSamples = Photometric is PhotometricInterpretation.Monochrome1 or PhotometricInterpretation.Monochrome2 or PhotometricInterpretation.PaletteColor ? 1 : 3;
        if (SamplesPerPixel != expectedSamples)
        {
            throw new DicomImageException($"{Photometric} needs {expectedSamples} samples per pixel, not {SamplesPerPixel}.");
        }

        if (BitsAllocated == 1 && SamplesPerPixel != 1)
        {
            throw new DicomImageException("1-bit pixel data must have one sample per pixel.");
        }
    }

    private static int Required(DicomDataSet dataSet, DicomTag tag) =>
        dataSet.TryGetInt32(tag, out var value) ? value : throw new DicomImageException($"The image lacks {tag} (or its value is not a number).");
}

/// <summary>One frame's samples, little endian, starting <see cref="BitOffset"/> bits into <see cref="Bytes"/> (non-zero only for 1-bit data).</summary>
public sealed record DecodedFrame(byte[] Bytes, int BitOffset, bool IsPlanar);
