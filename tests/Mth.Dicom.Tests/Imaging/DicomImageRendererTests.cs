using System.Buffers.Binary;
using Mth.Dicom.Imaging;
using Mth.Dicom.IO;
using Mth.Imaging;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.Imaging;

/// <summary>
/// Every rendering is compared with dcmtk's dcmj2pnm on the same frame with the same VOI, at
/// the image's own size (resampling is ours alone), within one 8-bit grey level.
/// </summary>
public sealed class DicomImageRendererTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> GreyCases => [.. GreyFixtures.Keys];

    private static readonly Dictionary<string, Func<DicomDumpBuilder>> GreyFixtures = new()
    {
        ["12 of 16 bits, window"] = () => ImageFixtures.Grey(24, 20, 16, 12, 11, false, ImageFixtures.Pattern(480, 0, 4095, 1))
            .Add("(0028,1050) DS [1800]").Add("(0028,1051) DS [2400]"),
        ["12 of 16 bits at high bit 15"] = () => ImageFixtures.Grey(24, 20, 16, 12, 15, false, ImageFixtures.Pattern(480, 0, 4095, 2)),
        ["signed 16 bits, rescale, second window"] = () => ImageFixtures.Grey(16, 32, 16, 16, 15, true, ImageFixtures.Pattern(512, -2000, 3000, 3))
            .Add("(0028,1052) DS [-1024]").Add("(0028,1053) DS [0.5]")
            .Add("(0028,1050) DS [40\\-600]").Add("(0028,1051) DS [400\\1500]"),
        ["signed 12 bits in 16, min-max"] = () => ImageFixtures.Grey(20, 20, 16, 12, 11, true, ImageFixtures.Pattern(400, -2048, 2047, 4)),
        ["8 bits, min-max"] = () => ImageFixtures.Grey(10, 30, 8, 8, 7, false, ImageFixtures.Pattern(300, 12, 200, 5)),
        ["signed 8 bits, window"] = () => ImageFixtures.Grey(10, 30, 8, 8, 7, true, ImageFixtures.Pattern(300, -128, 127, 6))
            .Add("(0028,1050) DS [0]").Add("(0028,1051) DS [100]"),
        ["MONOCHROME1, window"] = () => ImageFixtures.Grey(16, 16, 16, 10, 9, false, ImageFixtures.Pattern(256, 0, 1023, 7), "MONOCHROME1")
            .Add("(0028,1050) DS [512]").Add("(0028,1051) DS [700]"),
        ["MONOCHROME1, min-max"] = () => ImageFixtures.Grey(16, 16, 16, 10, 9, false, ImageFixtures.Pattern(256, 100, 900, 8), "MONOCHROME1"),
        ["fractional rescale, decimal window"] = () => ImageFixtures.Grey(16, 16, 16, 12, 11, false, ImageFixtures.Pattern(256, 0, 4095, 9))
            .Add("(0028,1052) DS [-4096]").Add("(0028,1053) DS [2]")
            .Add("(0028,1050) DS [272.5]").Add("(0028,1051) DS [846.25]"),
        ["32 bits signed, min-max"] = () => ImageFixtures.Grey(8, 8, 32, 32, 31, true, ImageFixtures.Pattern(64, -100000, 900000, 10)),
        ["modality LUT sequence"] = () => ImageFixtures.Grey(16, 16, 16, 8, 7, false, ImageFixtures.Pattern(256, 0, 255, 11))
            .Add("(0028,3000) SQ (Sequence with explicit length)")
            .Add("(fffe,e000) na (Item with explicit length)")
            .Add("(0028,3002) US 200\\20\\12")
            .Add("(0028,3004) LO [HU]")
            .AddBinary("0028,3006", "OW", LutData(200, i => (i * i) % 4096))
            .Add("(fffe,e00d) na (ItemDelimitationItem)")
            .Add("(fffe,e0dd) na (SequenceDelimitationItem)")
            .Add("(0028,1050) DS [2000]").Add("(0028,1051) DS [3000]"),
        ["VOI LUT sequence"] = () => ImageFixtures.Grey(16, 16, 16, 12, 11, false, ImageFixtures.Pattern(256, 0, 4095, 12))
            .Add("(0028,3010) SQ (Sequence with explicit length)")
            .Add("(fffe,e000) na (Item with explicit length)")
            .Add("(0028,3002) US 4096\\0\\8")
            .AddBinary("0028,3006", "OW", LutData(4096, i => (int)(255 * Math.Sqrt(i / 4095.0))))
            .Add("(fffe,e00d) na (ItemDelimitationItem)")
            .Add("(fffe,e0dd) na (SequenceDelimitationItem)"),
    };

    [Theory]
    [MemberData(nameof(GreyCases))]
    public void A_grey_image_renders_like_dcmtk_with_the_same_voi(string name)
    {
        var path = GreyFixtures[name]().Write(_directory, "grey.dcm");

        Assert.InRange(RenderComparison.MaxDifference(path, _directory), 0, 1);
    }

    [Fact]
    public void The_first_window_is_the_default_and_any_window_can_be_asked_for()
    {
        var path = GreyFixtures["signed 16 bits, rescale, second window"]().Write(_directory, "windows.dcm");
        using var file = DicomFile.Open(path);

        var byDefault = DicomImageRenderer.Render(file);
        var second = DicomImageRenderer.Render(file, new DicomRenderOptions { Voi = DicomVoiSelection.Window(1) });

        Assert.Equal(new DicomAppliedVoi(DicomVoiKind.Window, 0, 40, 400, "LINEAR"), byDefault.Voi);
        Assert.Equal(new DicomAppliedVoi(DicomVoiKind.Window, 1, -600, 1500, "LINEAR"), second.Voi);
        Assert.InRange(RenderComparison.MaxDifference(path, _directory, new DicomRenderOptions { Voi = DicomVoiSelection.Window(1) }), 0, 1);
        Assert.Throws<DicomImageException>(() => DicomImageRenderer.Render(file, new DicomRenderOptions { Voi = DicomVoiSelection.Window(2) }));
    }

    [Fact]
    public void Without_a_window_the_voi_lut_then_the_min_max_is_used_and_min_max_matches_dcmtks_own()
    {
        var lutPath = GreyFixtures["VOI LUT sequence"]().Write(_directory, "lut.dcm");
        var plainPath = GreyFixtures["8 bits, min-max"]().Write(_directory, "plain.dcm");
        using (var lut = DicomFile.Open(lutPath))
        {
            Assert.Equal(DicomVoiKind.Lut, DicomImageRenderer.Render(lut).Voi!.Kind);
        }

        DicomRenderedImage rendered;
        using (var plain = DicomFile.Open(plainPath))
        {
            rendered = DicomImageRenderer.Render(plain);
        }

        Assert.Equal(DicomVoiKind.MinMax, rendered.Voi!.Kind);
        var dcmtkMinMax = PnmImage.RenderWithDcmtk(plainPath, _directory.File("minmax.pnm"), "+Wm");
        Assert.InRange(RenderComparison.MaxDifference(rendered.Image, dcmtkMinMax), 0, 1);
    }

    [Fact]
    public void An_explicit_window_and_the_full_range_render_like_dcmtk()
    {
        var path = GreyFixtures["12 of 16 bits, window"]().Write(_directory, "explicit.dcm");

        Assert.InRange(RenderComparison.MaxDifference(path, _directory, new DicomRenderOptions { Voi = DicomVoiSelection.Explicit(1000, 500) }), 0, 1);
        using var file = DicomFile.Open(path);
        var full = DicomImageRenderer.Render(file, new DicomRenderOptions { Voi = DicomVoiSelection.FullRange });
        Assert.InRange(RenderComparison.MaxDifference(full.Image, PnmImage.RenderWithDcmtk(path, _directory.File("full.pnm"), "-W")), 0, 1);
    }

    [Theory]
    [InlineData("SIGMOID")]
    [InlineData("LINEAR_EXACT")]
    public void The_voi_lut_function_shapes_the_window(string function)
    {
        var values = ImageFixtures.Pattern(256, 0, 4095, 13);
        var path = ImageFixtures.Grey(16, 16, 16, 12, 11, false, values)
            .Add("(0028,1050) DS [2048]").Add("(0028,1051) DS [1000]").Add($"(0028,1056) CS [{function}]")
            .Write(_directory, "function.dcm");

        using var file = DicomFile.Open(path);
        var rendered = DicomImageRenderer.Render(file);

        Assert.Equal(function, rendered.Voi!.Function);
        for (var i = 0; i < values.Length; i++)
        {
            var expected = function == "SIGMOID"
                ? 1 / (1 + Math.Exp(-4 * (values[i] - 2048.0) / 1000))
                : Math.Clamp((values[i] - 2048.0) / 1000 + 0.5, 0, 1);
            Assert.Equal(expected, rendered.Image.Data[i], 5);
        }

        if (function == "SIGMOID")
        {
            // dcmtk applies the attribute's SIGMOID function too.
            Assert.InRange(RenderComparison.MaxDifference(path, _directory), 0, 1);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void An_rgb_image_renders_like_dcmtk(int planarConfiguration)
    {
        var path = ImageFixtures.Colour(12, 18, "RGB", planarConfiguration, ImageFixtures.RandomBytes(12 * 18 * 3, 14))
            .Write(_directory, "colour.dcm");

        using (var file = DicomFile.Open(path))
        {
            var rendered = DicomImageRenderer.Render(file);
            Assert.Equal(3, rendered.Image.Channels);
            Assert.Null(rendered.Voi);
        }

        Assert.InRange(RenderComparison.MaxDifference(path, _directory), 0, 1);
    }

    /// <remarks>
    /// The conversion is exactly PS3.3 C.7.6.3.1.2 (chroma offset 128, rounding once at the end).
    /// dcmtk's 8-bit path truncates each term through integer tables and centres chroma on
    /// 127.5, which puts it up to 2 grey levels from the exact result: against dcmtk the
    /// tolerance is 2, against the formula it is rounding only, and against GDCM (a second
    /// independent implementation, which follows the formula) it is 1 grey level.
    /// </remarks>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_ybr_full_image_is_converted_with_the_formula_of_ps3_3(int planarConfiguration)
    {
        var interleaved = ImageFixtures.RandomBytes(12 * 18 * 3, 14);
        var path = ImageFixtures.Colour(12, 18, "YBR_FULL", planarConfiguration, interleaved).Write(_directory, "ybr.dcm");

        using (var file = DicomFile.Open(path))
        {
            var image = DicomImageRenderer.Render(file).Image;
            for (var i = 0; i < 12 * 18; i++)
            {
                var expected = YbrFull(interleaved[i * 3], interleaved[i * 3 + 1], interleaved[i * 3 + 2]);
                for (var c = 0; c < 3; c++)
                {
                    Assert.Equal(expected[c], image.Data[c * 12 * 18 + i], 5);
                }
            }
        }

        Assert.InRange(RenderComparison.MaxDifference(path, _directory, tolerance: 2), 0, 2);
    }

    [Fact]
    public void A_ybr_full_image_renders_within_one_grey_level_of_gdcm()
    {
        // Every (Y, Cb, Cr) byte value occurs: 64 x 64 pixels of seeded random samples.
        var interleaved = ImageFixtures.RandomBytes(64 * 64 * 3, 21);
        var path = ImageFixtures.Colour(64, 64, "YBR_FULL", 0, interleaved).Write(_directory, "ybr-gdcm.dcm");

        Assert.InRange(MaxDifferenceFromGdcm(path, 64, 64), 0, 1);
    }

    [Fact]
    public void Planar_configuration_1_and_4_2_2_subsampling_render_as_the_equivalent_interleaved_full_image()
    {
        // GDCM converts only interleaved YBR_FULL: the other layouts are checked against it through
        // the interleaved image that holds the same samples, which must render identically.
        var interleaved = ImageFixtures.RandomBytes(10 * 16 * 3, 22);
        var planar = ImageFixtures.Colour(10, 16, "YBR_FULL", 1, interleaved).Write(_directory, "ybr-planar.dcm");
        var reference = ImageFixtures.Colour(10, 16, "YBR_FULL", 0, interleaved).Write(_directory, "ybr-interleaved.dcm");

        var subsampled = ImageFixtures.RandomBytes(10 * 16 * 2, 23);
        var full = new byte[10 * 16 * 3];
        for (var pair = 0; pair < 80; pair++)
        {
            for (var k = 0; k < 2; k++)
            {
                full[(pair * 2 + k) * 3] = subsampled[pair * 4 + k];
                full[(pair * 2 + k) * 3 + 1] = subsampled[pair * 4 + 2];
                full[(pair * 2 + k) * 3 + 2] = subsampled[pair * 4 + 3];
            }
        }

        var packed = Ybr422(subsampled).Write(_directory, "ybr-422.dcm");
        var expanded = ImageFixtures.Colour(10, 16, "YBR_FULL", 0, full).Write(_directory, "ybr-422-expanded.dcm");

        Assert.Equal(RenderData(reference), RenderData(planar));
        Assert.Equal(RenderData(expanded), RenderData(packed));
        Assert.InRange(MaxDifferenceFromGdcm(reference, 10, 16), 0, 1);
        Assert.InRange(MaxDifferenceFromGdcm(expanded, 10, 16), 0, 1);
    }

    /// <summary>10 rows of 16 YBR_FULL_422 pixels: pairs of Y1 Y2 Cb Cr bytes.</summary>
    private static DicomDumpBuilder Ybr422(byte[] samples) => DicomDumpBuilder.WithSopCommon()
        .Add("(0028,0002) US 3").Add("(0028,0004) CS [YBR_FULL_422]").Add("(0028,0006) US 0")
        .Add("(0028,0010) US 10").Add("(0028,0011) US 16")
        .Add("(0028,0100) US 8").Add("(0028,0101) US 8").Add("(0028,0102) US 7").Add("(0028,0103) US 0")
        .AddBinary("7fe0,0010", "OB", samples);

    private int MaxDifferenceFromGdcm(string path, int rows, int columns)
    {
        using var file = DicomFile.Open(path);
        return RenderComparison.MaxDifference(DicomImageRenderer.Render(file).Image, Gdcm.ConvertToRgb(path, rows, columns, _directory));
    }

    private static float[] RenderData(string path)
    {
        using var file = DicomFile.Open(path);
        return DicomImageRenderer.Render(file).Image.Data.ToArray();
    }

    [Fact]
    public void A_ybr_full_422_image_shares_chroma_between_pixel_pairs()
    {
        var samples = ImageFixtures.RandomBytes(10 * 16 * 2, 15);
        var path = Ybr422(samples).Write(_directory, "ybr422.dcm");

        using (var file = DicomFile.Open(path))
        {
            var image = DicomImageRenderer.Render(file).Image;
            for (var pair = 0; pair < 80; pair++)
            {
                for (var k = 0; k < 2; k++)
                {
                    var expected = YbrFull(samples[pair * 4 + k], samples[pair * 4 + 2], samples[pair * 4 + 3]);
                    for (var c = 0; c < 3; c++)
                    {
                        Assert.Equal(expected[c], image.Data[c * 160 + pair * 2 + k], 5);
                    }
                }
            }
        }

        Assert.InRange(RenderComparison.MaxDifference(path, _directory, tolerance: 2), 0, 2);
    }

    private static float[] YbrFull(byte y, byte cb, byte cr)
    {
        double r = y + 1.402 * (cr - 128), g = y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128), b = y + 1.772 * (cb - 128);
        return [(float)(Math.Clamp(r, 0, 255) / 255), (float)(Math.Clamp(g, 0, 255) / 255), (float)(Math.Clamp(b, 0, 255) / 255)];
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void A_palette_colour_image_renders_like_dcmtk(int lutBits)
    {
        var path = Palette(lutBits, segmented: false).Write(_directory, "palette.dcm");

        Assert.InRange(RenderComparison.MaxDifference(path, _directory), 0, 1);
    }

    [Fact]
    public void A_segmented_palette_renders_like_the_same_palette_given_entry_by_entry()
    {
        // dcmtk does not expand segmented palettes: compare with its rendering of the expanded one.
        var plain = Palette(16, segmented: false).Write(_directory, "plain.dcm");
        var segmented = Palette(16, segmented: true).Write(_directory, "segmented.dcm");
        using var file = DicomFile.Open(segmented);

        var rendered = DicomImageRenderer.Render(file).Image;

        Assert.InRange(RenderComparison.MaxDifference(rendered, PnmImage.RenderWithDcmtk(plain, _directory.File("plain.pnm"))), 0, 1);
    }

    // The first 16 entries of each channel; the rest rises linearly from entry 15 to the maximum.
    private static readonly Func<int, int, int>[] PaletteStarts =
    [
        (i, max) => i * 37 % max,
        (i, max) => (255 - i) * max / 255,
        (i, max) => i * 5 * max / 255,
    ];

    private static int PaletteEntry(int channel, int i, int max)
    {
        var start = PaletteStarts[channel];
        return i < 16 ? start(i, max) : (int)Math.Round(start(15, max) + (max - start(15, max)) * (i - 15) / 240.0);
    }

    private static DicomDumpBuilder Palette(int lutBits, bool segmented)
    {
        var indices = ImageFixtures.Pattern(20 * 20, 0, 255, 16).Select(v => (byte)v).ToArray();
        var builder = DicomDumpBuilder.WithSopCommon()
            .Add("(0028,0002) US 1").Add("(0028,0004) CS [PALETTE COLOR]")
            .Add("(0028,0010) US 20").Add("(0028,0011) US 20")
            .Add("(0028,0100) US 8").Add("(0028,0101) US 8").Add("(0028,0102) US 7").Add("(0028,0103) US 0");
        var max = (1 << lutBits) - 1;
        for (var c = 0; c < 3; c++)
        {
            var channel = c;
            builder.Add($"(0028,110{c + 1}) US 256\\0\\{lutBits}");
            if (segmented)
            {
                // A discrete segment of the first 16 entries, then a linear segment of 240 to max.
                List<int> words = [0, 16, .. Enumerable.Range(0, 16).Select(i => PaletteEntry(channel, i, max)), 1, 240, max];
                builder.AddBinary($"0028,122{c + 1}", "OW", Words(words));
            }
            else
            {
                builder.AddBinary($"0028,120{c + 1}", "OW", LutData(256, i => PaletteEntry(channel, i, max)));
            }
        }

        return builder.AddBinary("7fe0,0010", "OB", indices);
    }

    [Fact]
    public void A_multi_frame_image_renders_the_middle_frame_by_default_and_any_frame_on_request()
    {
        var values = ImageFixtures.Pattern(5 * 8 * 8, 0, 4095, 17);
        var path = ImageFixtures.Grey(8, 8, 16, 12, 11, false, values, frames: 5).Write(_directory, "frames.dcm");

        using (var file = DicomFile.Open(path))
        {
            var middle = DicomImageRenderer.Render(file);
            Assert.Equal((2, 5), (middle.Frame, middle.FrameCount));
            Assert.Throws<ArgumentOutOfRangeException>(() => DicomImageRenderer.Render(file, new DicomRenderOptions { Frame = 5 }));
        }

        for (var frame = 0; frame < 5; frame++)
        {
            Assert.InRange(RenderComparison.MaxDifference(path, _directory, new DicomRenderOptions { Frame = frame }), 0, 1);
        }
    }

    [Fact]
    public void One_bit_frames_that_do_not_start_on_a_byte_boundary_render_like_dcmtk()
    {
        // 5x5 = 25 bits per frame: frame 2 starts at bit 25, inside byte 3.
        const int Frames = 3;
        var bits = new byte[(Frames * 25 + 7) / 8];
        var random = new Random(18);
        for (var i = 0; i < Frames * 25; i++)
        {
            if (random.Next(2) == 1)
            {
                bits[i / 8] |= (byte)(1 << (i % 8));
            }
        }

        var path = DicomDumpBuilder.WithSopCommon("1.2.840.10008.5.1.4.1.1.66.4")
            .Add("(0028,0002) US 1").Add("(0028,0004) CS [MONOCHROME2]").Add($"(0028,0008) IS [{Frames}]")
            .Add("(0028,0010) US 5").Add("(0028,0011) US 5")
            .Add("(0028,0100) US 1").Add("(0028,0101) US 1").Add("(0028,0102) US 0").Add("(0028,0103) US 0")
            .AddBinary("7fe0,0010", "OB", bits.Length % 2 == 0 ? bits : [.. bits, 0])
            .Write(_directory, "bits.dcm");

        for (var frame = 0; frame < Frames; frame++)
        {
            using var file = DicomFile.Open(path);
            var rendered = DicomImageRenderer.Render(file, new DicomRenderOptions { Frame = frame, Voi = DicomVoiSelection.FullRange });
            for (var i = 0; i < 25; i++)
            {
                var bit = frame * 25 + i;
                Assert.Equal((bits[bit / 8] >> (bit % 8)) & 1, rendered.Image.Data[i]);
            }

            Assert.InRange(RenderComparison.MaxDifference(path, _directory, new DicomRenderOptions { Frame = frame }), 0, 1);
        }
    }

    public static TheoryData<string> EncodedCases => ["implicit", "big endian 16", "big endian 8", "big endian RGB", "deflated", "RLE 16", "RLE RGB", "RLE frames", "RLE 8 with empty offset table"];

    [Theory]
    [MemberData(nameof(EncodedCases))]
    public void Every_decodable_transfer_syntax_renders_like_dcmtk(string name)
    {
        var grey16 = GreyFixtures["signed 16 bits, rescale, second window"];
        var grey8 = GreyFixtures["8 bits, min-max"];
        var rgb = () => ImageFixtures.Colour(12, 18, "RGB", 0, ImageFixtures.RandomBytes(12 * 18 * 3, 19));
        var frames = () => ImageFixtures.Grey(8, 8, 16, 12, 11, false, ImageFixtures.Pattern(3 * 64, 0, 4095, 20), frames: 3);
        var path = name switch
        {
            "implicit" => grey16().Write(_directory, "a.dcm", FixtureEncoding.ImplicitLittle),
            "big endian 16" => grey16().Write(_directory, "a.dcm", FixtureEncoding.ExplicitBig),
            "big endian 8" => grey8().Write(_directory, "a.dcm", FixtureEncoding.ExplicitBig),
            "big endian RGB" => rgb().Write(_directory, "a.dcm", FixtureEncoding.ExplicitBig),
            "deflated" => grey16().Write(_directory, "a.dcm", FixtureEncoding.Deflated),
            "RLE 16" => Rle(grey16().Write(_directory, "native.dcm")),
            "RLE RGB" => Rle(rgb().Write(_directory, "native.dcm")),
            "RLE frames" => Rle(frames().Write(_directory, "native.dcm")),
            _ => Rle(grey8().Write(_directory, "native.dcm"), "-ot"),
        };

        using (var file = DicomFile.Open(path))
        {
            Assert.Contains(file.TransferSyntax, DicomPixelDecoding.DecodableTransferSyntaxes);
            for (var frame = 0; frame < DicomImageRenderer.Render(file).FrameCount; frame++)
            {
                Assert.InRange(RenderComparison.MaxDifference(path, _directory, new DicomRenderOptions { Frame = frame }), 0, 1);
            }
        }
    }

    [Fact]
    public void Compressed_pixel_data_is_refused_as_an_unsupported_transfer_syntax()
    {
        var native = ImageFixtures.Colour(16, 16, "RGB", 0, ImageFixtures.RandomBytes(16 * 16 * 3, 21)).Write(_directory, "native.dcm");
        var jpeg = _directory.File("jpeg.dcm");
        Dcmtk.RunChecked("dcmcjpeg", "+eb", native, jpeg);

        using var file = DicomFile.Open(jpeg);
        var error = Assert.Throws<DicomUnsupportedTransferSyntaxException>(() => DicomImageRenderer.Render(file));

        Assert.Equal(TransferSyntax.JpegBaseline, error.TransferSyntax);
        Assert.StartsWith("Unsupported transfer syntax", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TransferSyntax.JpegBaseline, DicomPixelDecoding.DecodableTransferSyntaxes);
    }

    [Fact]
    public void A_data_set_without_pixel_data_is_refused_with_an_image_error()
    {
        var path = DicomDumpBuilder.WithSopCommon().Add("(0010,0010) PN [Doe^Jane]").Write(_directory, "nopixels.dcm");
        using var file = DicomFile.Open(path);

        var error = Assert.Throws<DicomImageException>(() => DicomImageRenderer.Render(file));

        Assert.Contains("no pixel data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_data_shorter_than_its_frames_is_refused_with_an_image_error()
    {
        var path = ImageFixtures.Grey(16, 16, 16, 12, 11, false, ImageFixtures.Pattern(128, 0, 4095, 22)).Write(_directory, "short.dcm");
        using var file = DicomFile.Open(path);

        var error = Assert.Throws<DicomImageException>(() => DicomImageRenderer.Render(file));

        Assert.Contains("frame 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_square_resizes_with_the_shared_resampler()
    {
        var path = GreyFixtures["12 of 16 bits, window"]().Write(_directory, "square.dcm");
        using var file = DicomFile.Open(path);

        var square = DicomImageRenderer.RenderSquare(file, 8);

        var expected = ImageResampler.Resize(DicomImageRenderer.Render(file).Image, 8, 8);
        Assert.Equal((8, 8, 1), (square.Width, square.Height, square.Channels));
        Assert.Equal(expected.Data, square.Data);
    }

    [Fact]
    public void Only_the_rendered_frame_is_read_from_a_large_multi_frame_file()
    {
        // 40 frames of 256x256 at 16 bits: 5 MB of pixel data, of which one frame (128 KB) is read.
        const int Frames = 40;
        var pixels = new byte[Frames * 256 * 256 * 2];
        for (var frame = 0; frame < Frames; frame++)
        {
            for (var i = 0; i < 256 * 256; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan((frame * 256 * 256 + i) * 2), (ushort)(frame * 100 + i % 97));
            }
        }

        var path = DicomDumpBuilder.WithSopCommon()
            .AddImagePixel(256, 256, 16, 16, 0, frames: Frames)
            .AddBinary("7fe0,0010", "OW", pixels)
            .Write(_directory, "many.dcm");
        using var file = DicomFile.Open(path);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var rendered = DicomImageRenderer.Render(file, new DicomRenderOptions { Frame = 33, Voi = DicomVoiSelection.FullRange });

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 0, 2 * 1024 * 1024);
        Assert.Equal((33 * 100 + 5) / 65535f, rendered.Image.Data[5], 6);
    }

    private string Rle(string native, params string[] options)
    {
        var rle = _directory.File("rle-" + Path.GetFileName(native));
        Dcmtk.RunChecked("dcmcrle", [.. options, native, rle]);
        return rle;
    }

    private static byte[] LutData(int count, Func<int, int> entry) =>
        Words(Enumerable.Range(0, count).Select(entry).ToList());

    private static byte[] Words(IReadOnlyList<int> values)
    {
        var bytes = new byte[values.Count * 2];
        for (var i = 0; i < values.Count; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)values[i]);
        }

        return bytes;
    }
}
