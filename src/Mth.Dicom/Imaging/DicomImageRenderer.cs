using Mth.Dicom.Data;
using Mth.Dicom.IO;
using Mth.Imaging;

namespace Mth.Dicom.Imaging;

/// <summary>A rendered frame and how it was rendered.</summary>
/// <param name="Image">1 channel (grey) or 3 (RGB), values in [0, 1], at the image's own size.</param>
/// <param name="Voi">The VOI applied to a grey image; null for colour images.</param>
public sealed record DicomRenderedImage(FloatImage Image, int Frame, int FrameCount, PhotometricInterpretation Photometric, DicomAppliedVoi? Voi);

/// <summary>
/// Renders one frame of a DICOM image to a <see cref="FloatImage"/> with the pipeline of
/// PS3.3 C.11 (and PS3.4 N.2.1): stored values (bits allocated / stored / high bit, signed
/// pixels), modality LUT (rescale slope/intercept or Modality LUT Sequence, per frame for
/// enhanced multi-frame images), VOI (window centre/width with LINEAR, LINEAR_EXACT or
/// SIGMOID, VOI LUT Sequence, or the frame's minimum and maximum), MONOCHROME1 inversion.
/// Colour images (RGB, YBR_FULL, YBR_FULL_422, PALETTE COLOR, either planar configuration)
/// are converted to RGB. See docs/dicom.md for the rules.
/// </summary>
public static class DicomImageRenderer
{
    // Stored-value ranges up to this size are mapped through a precomputed table.
    private const int MaxTableSize = 1 << 20;

    /// <exception cref="DicomImageException">No pixel data, or image attributes that cannot be rendered.</exception>
    /// <exception cref="DicomUnsupportedTransferSyntaxException">The pixel data is compressed in a syntax this library does not decode.</exception>
    public static DicomRenderedImage Render(DicomFile file, DicomRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Render(file.DataSet, file.TransferSyntax, options);
    }

    /// <inheritdoc cref="Render(DicomFile, DicomRenderOptions?)"/>
    public static DicomRenderedImage Render(DicomDataSet dataSet, TransferSyntax transferSyntax, DicomRenderOptions? options = null)
    {
        options ??= DicomRenderOptions.Default;
        var pixels = DicomPixelData.Create(dataSet, transferSyntax);
        var frameIndex = options.Frame ?? pixels.NumberOfFrames / 2;
        var frame = pixels.GetFrame(frameIndex);
        if (pixels.Photometric.IsMonochrome())
        {
            var (image, voi) = RenderGrey(pixels, frame, frameIndex, options);
            return new DicomRenderedImage(image, frameIndex, pixels.NumberOfFrames, pixels.Photometric, voi);
        }

        var colour = pixels.Photometric switch
        {
            PhotometricInterpretation.Rgb => RenderRgb(pixels, frame, ycbcr: false),
            PhotometricInterpretation.YbrFull => RenderRgb(pixels, frame, ycbcr: true),
            PhotometricInterpretation.YbrFull422 when frame.IsPlanar => RenderRgb(pixels, frame, ycbcr: true),
            PhotometricInterpretation.YbrFull422 => RenderYbr422(pixels, frame),
            PhotometricInterpretation.PaletteColor => RenderPalette(pixels, frame),
            _ => throw new DicomImageException($"Photometric interpretation {pixels.Photometric} is only defined for compressed pixel data this library does not decode."),
        };
        return new DicomRenderedImage(colour, frameIndex, pixels.NumberOfFrames, pixels.Photometric, null);
    }

    /// <summary>Renders and resizes to <paramref name="size"/> x <paramref name="size"/> with <see cref="ImageResampler"/> (aspect ratio not kept).</summary>
    public static FloatImage RenderSquare(DicomFile file, int size, DicomRenderOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var image = Render(file, options).Image;
        return image.Width == size && image.Height == size ? image : ImageResampler.Resize(image, size, size);
    }

    private static (FloatImage Image, DicomAppliedVoi Voi) RenderGrey(DicomPixelData pixels, DecodedFrame frame, int frameIndex, DicomRenderOptions options)
    {
        var stored = StoredValues.Extract(pixels, frame, sample: 0);
        var (minStored, maxStored) = MinMax(stored);
        var modality = ModalityTransform.For(pixels, frameIndex);
        var voiSource = new VoiSource(pixels, frameIndex);
        var padding = options.ExcludePaddingFromMinMax ? Padding.For(pixels) : null;

        // Modality values, through a table over the stored range when it is small.
        var range = (long)maxStored - minStored + 1;
        double[]? modalityTable = null;
        if (range <= MaxTableSize)
        {
            modalityTable = new double[range];
            for (var k = 0; k < modalityTable.Length; k++)
            {
                modalityTable[k] = modality.Apply(minStored + k);
            }
        }

        var voi = voiSource.Resolve(options.Voi, () => ModalityMinMax(stored, modality, modalityTable, minStored, padding), modality.OutputRange(pixels));
        var invert = pixels.Photometric == PhotometricInterpretation.Monochrome1;
        var output = new float[stored.Length];
        if (modalityTable is not null)
        {
            var table = new float[modalityTable.Length];
            for (var k = 0; k < table.Length; k++)
            {
                var y = voi.Map(modalityTable[k]);
                table[k] = invert ? 1f - y : y;
            }

            for (var i = 0; i < stored.Length; i++)
            {
                output[i] = table[stored[i] - minStored];
            }
        }
        else
        {
            for (var i = 0; i < stored.Length; i++)
            {
                var y = voi.Map(modality.Apply(stored[i]));
                output[i] = invert ? 1f - y : y;
            }
        }

        return (new FloatImage(pixels.Columns, pixels.Rows, 1, output), voi.Applied);
    }

    private static (double Min, double Max) ModalityMinMax(int[] stored, ModalityTransform modality, double[]? table, int minStored, Padding? padding)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var value in stored)
        {
            if (padding is not null && padding.Contains(value))
            {
                continue;
            }

            var m = table is null ? modality.Apply(value) : table[value - minStored];
            min = m < min ? m : min;
            max = m > max ? m : max;
        }

        // A frame of padding only: fall back to every pixel.
        return double.IsInfinity(min) && padding is not null ? ModalityMinMax(stored, modality, table, minStored, null) : (min, max);
    }

    private static (int Min, int Max) MinMax(int[] values)
    {
        int min = int.MaxValue, max = int.MinValue;
        foreach (var value in values)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }

        return (min, max);
    }

    private static FloatImage RenderRgb(DicomPixelData pixels, DecodedFrame frame, bool ycbcr)
    {
        var n = pixels.PixelCount;
        var image = new FloatImage(pixels.Columns, pixels.Rows, 3);
        var scale = 1f / ((1L << pixels.BitsStored) - 1);
        var channels = new int[3][];
        for (var c = 0; c < 3; c++)
        {
            channels[c] = StoredValues.Extract(pixels, frame, c);
        }

        var offset = (float)(1L << (pixels.BitsStored - 1));
        var max = (float)((1L << pixels.BitsStored) - 1);
        var red = image.Plane(0);
        var green = image.Plane(1);
        var blue = image.Plane(2);
        for (var i = 0; i < n; i++)
        {
            float r = channels[0][i], g = channels[1][i], b = channels[2][i];
            if (ycbcr)
            {
                (r, g, b) = YbrToRgb(r, g, b, offset, max);
            }

            red[i] = r * scale;
            green[i] = g * scale;
            blue[i] = b * scale;
        }

        return image;
    }

    /// <summary>YBR_FULL_422 (PS3.3 C.7.6.3.1.2): Y1 Y2 Cb Cr for each pair of pixels in a row.</summary>
    private static FloatImage RenderYbr422(DicomPixelData pixels, DecodedFrame frame)
    {
        if (pixels.Columns % 2 != 0)
        {
            throw new DicomImageException("YBR_FULL_422 needs an even number of columns.");
        }

        var samples = StoredValues.ExtractSequential(pixels, frame, pixels.PixelCount * 2);
        var image = new FloatImage(pixels.Columns, pixels.Rows, 3);
        var offset = (float)(1L << (pixels.BitsStored - 1));
        var max = (float)((1L << pixels.BitsStored) - 1);
        var scale = 1f / max;
        var red = image.Plane(0);
        var green = image.Plane(1);
        var blue = image.Plane(2);
        for (var pair = 0; pair < pixels.PixelCount / 2; pair++)
        {
            float cb = samples[pair * 4 + 2], cr = samples[pair * 4 + 3];
            for (var k = 0; k < 2; k++)
            {
                var (r, g, b) = YbrToRgb(samples[pair * 4 + k], cb, cr, offset, max);
                var i = pair * 2 + k;
                red[i] = r * scale;
                green[i] = g * scale;
                blue[i] = b * scale;
            }
        }

        return image;
    }

    private static (float R, float G, float B) YbrToRgb(float y, float cb, float cr, float offset, float max)
    {
        cb -= offset;
        cr -= offset;
        var r = y + 1.402f * cr;
        var g = y - 0.344136f * cb - 0.714136f * cr;
        var b = y + 1.772f * cb;
        return (Math.Clamp(r, 0, max), Math.Clamp(g, 0, max), Math.Clamp(b, 0, max));
    }

    private static FloatImage RenderPalette(DicomPixelData pixels, DecodedFrame frame)
    {
        var dataSet = pixels.DataSet;
        var segmented = !dataSet.Contains(DicomTag.RedPaletteColorLookupTableData) && dataSet.Contains(DicomTag.SegmentedRedPaletteColorLookupTableData);
        var luts = new[]
        {
            DicomLookupTable.Read(dataSet, DicomTag.RedPaletteColorLookupTableDescriptor, segmented ? DicomTag.SegmentedRedPaletteColorLookupTableData : DicomTag.RedPaletteColorLookupTableData, pixels.IsSigned, segmented),
            DicomLookupTable.Read(dataSet, DicomTag.GreenPaletteColorLookupTableDescriptor, segmented ? DicomTag.SegmentedGreenPaletteColorLookupTableData : DicomTag.GreenPaletteColorLookupTableData, pixels.IsSigned, segmented),
            DicomLookupTable.Read(dataSet, DicomTag.BluePaletteColorLookupTableDescriptor, segmented ? DicomTag.SegmentedBluePaletteColorLookupTableData : DicomTag.BluePaletteColorLookupTableData, pixels.IsSigned, segmented),
        };
        var indices = StoredValues.Extract(pixels, frame, sample: 0);
        var image = new FloatImage(pixels.Columns, pixels.Rows, 3);
        for (var c = 0; c < 3; c++)
        {
            var plane = image.Plane(c);
            var lut = luts[c];
            for (var i = 0; i < indices.Length; i++)
            {
                plane[i] = lut.Normalized(indices[i]);
            }
        }

        return image;
    }
}
