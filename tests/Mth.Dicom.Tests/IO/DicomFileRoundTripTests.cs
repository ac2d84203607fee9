using Mth.Dicom.Data;
using Mth.Dicom.IO;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.IO;

public sealed class DicomFileRoundTripTests : IDisposable
{
    private const string SopInstance = "1.2.826.0.1.3680043.2.1125.9.9";
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<FixtureEncoding, string> Encodings => SampleDataSets.Encodings(includeDeflated: true);

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_file_saved_in_its_own_transfer_syntax_dumps_equal_to_the_original(FixtureEncoding encoding, string lengths)
    {
        var original = SampleDataSets.Structured(SopInstance).Write(_directory, "original.dcm", encoding, lengths);
        var copy = _directory.File("copy.dcm");

        using (var file = DicomFile.Open(original))
        {
            file.Save(copy);
        }

        Assert.Equal(Dcmtk.DumpDataSet(original), Dcmtk.DumpDataSet(copy));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.2")]
    [InlineData("1.2.840.10008.1.2.1.99")]
    [InlineData("1.2.840.10008.1.2.1")]
    public void An_explicit_vr_file_converted_to_another_explicit_syntax_dumps_equal(string targetUid)
    {
        var original = SampleDataSets.Structured(SopInstance).Write(_directory, "original.dcm", FixtureEncoding.ExplicitLittle, "-e");
        var copy = _directory.File("copy.dcm");

        using (var file = DicomFile.Open(original))
        {
            file.Save(copy, TransferSyntax.Lookup(targetUid));
        }

        Assert.Equal(Dcmtk.DumpDataSet(original), Dcmtk.DumpDataSet(copy));
        Assert.Contains($"[{targetUid}]", Dcmtk.RunChecked("dcmdump", "-M", "-Un", "+P", "0002,0010", copy), StringComparison.Ordinal);
    }

    [Fact]
    public void An_implicit_vr_file_converted_to_explicit_vr_dumps_equal_to_dcmtks_own_conversion()
    {
        var original = SampleDataSets.Structured(SopInstance).Write(_directory, "original.dcm", FixtureEncoding.ImplicitLittle);
        var theirs = _directory.File("theirs.dcm");
        Dcmtk.RunChecked("dcmconv", "+te", original, theirs);
        var ours = _directory.File("ours.dcm");

        using (var file = DicomFile.Open(original))
        {
            file.Save(ours, TransferSyntax.ExplicitVRLittleEndian);
        }

        Assert.Equal(Dcmtk.DumpDataSet(theirs), Dcmtk.DumpDataSet(ours));
    }

    [Fact]
    public void Encapsulated_rle_pixel_data_round_trips_fragment_for_fragment()
    {
        var native = SampleDataSets.Structured(SopInstance).Write(_directory, "native.dcm");
        var rle = _directory.File("rle.dcm");
        Dcmtk.RunChecked("dcmcrle", native, rle);
        var copy = _directory.File("copy.dcm");

        using (var file = DicomFile.Open(rle))
        {
            Assert.Equal(TransferSyntax.RleLossless, file.TransferSyntax);
            var pixelData = Assert.IsType<DicomFragmentSequence>(file.DataSet[DicomTag.PixelData]);
            Assert.Single(pixelData.Fragments);
            Assert.Equal(4, pixelData.OffsetTable.Length);
            file.Save(copy);
            Assert.Throws<DicomException>(() => file.Save(_directory.File("nope.dcm"), TransferSyntax.ExplicitVRLittleEndian));
        }

        Assert.Equal(Dcmtk.DumpDataSet(rle), Dcmtk.DumpDataSet(copy));
    }

    [Fact]
    public void Large_values_stay_in_the_file_and_are_read_on_demand()
    {
        var pixels = new byte[512 * 512 * 2];
        new Random(5).NextBytes(pixels);
        var path = DicomDumpBuilder.WithSopCommon()
            .AddImagePixel(512, 512, 16, 16, 0)
            .AddBinary("7fe0,0010", "OW", pixels)
            .Write(_directory, "large.dcm");

        using var file = DicomFile.Open(path);
        var value = file.DataSet.GetValue(DicomTag.PixelData)!;

        Assert.False(value.IsInMemory);
        Assert.Equal(pixels.Length, value.Length);
        var middle = new byte[100];
        value.Read(1001, middle);
        Assert.Equal(pixels.AsSpan(1001, 100).ToArray(), middle);
    }

    [Fact]
    public void Big_endian_values_are_read_as_numbers_and_pixel_words_in_little_endian_order()
    {
        var pixels = new byte[32];
        for (var i = 0; i < 16; i++)
        {
            BitConverter.TryWriteBytes(pixels.AsSpan(i * 2), (ushort)(i * 1000 + 1));
        }

        var path = DicomDumpBuilder.WithSopCommon()
            .Add("(0028,1050) DS [40\\400]")
            .AddImagePixel(4, 4, 16, 16, 0)
            .AddBinary("7fe0,0010", "OW", pixels)
            .Write(_directory, "big.dcm", FixtureEncoding.ExplicitBig);

        using var file = DicomFile.Open(path, new DicomReaderOptions { LargeValueThreshold = 8 });

        Assert.Equal(TransferSyntax.ExplicitVRBigEndian, file.TransferSyntax);
        Assert.Equal(4, file.DataSet.GetInt32(DicomTag.Rows));
        Assert.Equal([40.0, 400.0], file.DataSet.GetDoubles(DicomTag.WindowCenter));
        var value = file.DataSet.GetValue(DicomTag.PixelData)!;
        Assert.False(value.IsInMemory);
        Assert.Equal(pixels, value.ToArray());
        var unaligned = new byte[3];
        value.Read(3, unaligned);
        Assert.Equal(pixels.AsSpan(3, 3).ToArray(), unaligned);
    }

    [Fact]
    public void A_bare_data_set_is_read_with_a_guessed_transfer_syntax()
    {
        foreach (var (encoding, expected) in new[]
        {
            (FixtureEncoding.ExplicitLittle, TransferSyntax.ExplicitVRLittleEndian),
            (FixtureEncoding.ImplicitLittle, TransferSyntax.ImplicitVRLittleEndian),
            (FixtureEncoding.ExplicitBig, TransferSyntax.ExplicitVRBigEndian),
        })
        {
            var path = SampleDataSets.Structured(SopInstance).Write(_directory, $"bare-{encoding}", encoding, "-F");

            using var file = DicomFile.Open(path);

            Assert.True(file.IsBareDataSet);
            Assert.Equal(expected, file.TransferSyntax);
            Assert.Equal(SopInstance, file.DataSet.GetUid(DicomTag.SOPInstanceUID));
            Assert.Equal("Doe^Jane", file.DataSet.GetString(DicomTag.PatientName));
        }
    }

    [Fact]
    public async Task A_non_seekable_stream_is_read_through_a_temporary_copy()
    {
        var path = SampleDataSets.Structured(SopInstance).Write(_directory, "stream.dcm");

        using var file = await DicomFile.OpenAsync(new NonSeekableStream(await File.ReadAllBytesAsync(path)), new DicomReaderOptions { LargeValueThreshold = 4 });

        Assert.Equal(SopInstance, file.DataSet.GetUid(DicomTag.SOPInstanceUID));
        Assert.Equal(32, file.DataSet.GetValue(DicomTag.PixelData)!.ToArray().Length);
    }

    [Fact]
    public void Private_elements_and_unknown_vrs_are_kept()
    {
        var path = SampleDataSets.Structured(SopInstance).Write(_directory, "private.dcm");

        using var file = DicomFile.Open(path);

        Assert.Equal("MTH TEST", file.DataSet.GetString(new DicomTag(0x0009, 0x0010)));
        Assert.Equal("private text", file.DataSet.GetString(new DicomTag(0x0009, 0x1001)));
        var unknown = Assert.IsType<DicomValueElement>(file.DataSet[new DicomTag(0x0009, 0x1002)]);
        Assert.Equal(DicomVR.UN, unknown.VR);
        Assert.Equal([1, 2, 3, 4], unknown.Value.ToArray());
    }

    [Fact]
    public void Sequence_items_are_nested_data_sets_that_inherit_the_character_set()
    {
        var path = SampleDataSets.Structured(SopInstance).Write(_directory, "nested.dcm", FixtureEncoding.ImplicitLittle, "-e");

        using var file = DicomFile.Open(path);

        var sequence = file.DataSet.GetSequence(new DicomTag(0x0008, 0x1140))!;
        Assert.Equal(2, sequence.Items.Count);
        Assert.True(sequence.UndefinedLength);
        var first = sequence.Items[0];
        Assert.Equal("1.2.3.4.5", first.GetUid(new DicomTag(0x0008, 0x1155)));
        Assert.Same(file.DataSet, first.Parent);
        Assert.Equal(["ISO_IR 100"], first.CharacterSet.Terms);
        var code = first.GetSequence(new DicomTag(0x0040, 0xA170))!.Items[0];
        Assert.Equal("Localizer", code.GetString(new DicomTag(0x0008, 0x0104)));
    }

    [Fact]
    public void An_unknown_vr_is_read_with_a_32_bit_length_and_kept_as_un()
    {
        // (0009,0010) LO creator, then (0009,1010) with the VR "ZZ" no edition defines (PS3.5 7.1.2: 32-bit length form).
        byte[] dataSet =
        [
            0x09, 0x00, 0x10, 0x00, (byte)'L', (byte)'O', 4, 0, (byte)'M', (byte)'T', (byte)'H', (byte)' ',
            0x09, 0x00, 0x10, 0x10, (byte)'Z', (byte)'Z', 0, 0, 4, 0, 0, 0, 1, 2, 3, 4,
            0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N', 4, 0, (byte)'D', (byte)'o', (byte)'e', (byte)' ',
        ];

        using var file = DicomFile.Open(new MemoryStream(dataSet));

        var unknown = Assert.IsType<DicomValueElement>(file.DataSet[new DicomTag(0x0009, 0x1010)]);
        Assert.Equal(DicomVR.UN, unknown.VR);
        Assert.Equal([1, 2, 3, 4], unknown.Value.ToArray());
        Assert.Equal("Doe", file.DataSet.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void A_un_element_of_undefined_length_is_read_as_an_implicit_vr_sequence_and_written_back_unchanged()
    {
        // PS3.5 6.2.2: (0009,1010) UN, undefined length, holding one item with (0008,0100) in implicit VR little endian.
        byte[] dataSet =
        [
            0x08, 0x00, 0x16, 0x00, (byte)'U', (byte)'I', 2, 0, (byte)'1', 0,
            0x08, 0x00, 0x18, 0x00, (byte)'U', (byte)'I', 2, 0, (byte)'2', 0,
            0x09, 0x00, 0x10, 0x00, (byte)'L', (byte)'O', 4, 0, (byte)'M', (byte)'T', (byte)'H', (byte)' ',
            0x09, 0x00, 0x10, 0x10, (byte)'U', (byte)'N', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF,
            0x08, 0x00, 0x00, 0x01, 6, 0, 0, 0, (byte)'1', (byte)'2', (byte)'1', (byte)'3', (byte)'1', (byte)'1',
            0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0,
            0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0,
        ];

        using var file = DicomFile.Open(new MemoryStream(dataSet));
        var sequence = Assert.IsType<DicomSequence>(file.DataSet[new DicomTag(0x0009, 0x1010)]);
        Assert.Equal(DicomVR.UN, sequence.VR);
        Assert.Equal("121311", sequence.Items[0].GetString(new DicomTag(0x0008, 0x0100)));

        using var copy = new MemoryStream();
        DicomDataSetWriter.Write(copy, file.DataSet, TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(dataSet, copy.ToArray());
    }

    [Fact]
    public async Task A_command_set_written_in_implicit_vr_gets_its_group_length_and_loads_back()
    {
        // A C-ECHO-RQ (PS3.7 9.3.5): group 0000 in implicit VR little endian.
        var command = new DicomDataSet();
        command.SetBytes(new DicomTag(0x0000, 0x0000), DicomVR.UL, [0, 0, 0, 0]);
        command.SetString(new DicomTag(0x0000, 0x0002), DicomVR.UI, "1.2.840.10008.1.1");
        command.SetUInt16(new DicomTag(0x0000, 0x0100), 0x0030);
        command.SetUInt16(new DicomTag(0x0000, 0x0110), 7);
        command.SetUInt16(new DicomTag(0x0000, 0x0800), 0x0101);
        using var bytes = new MemoryStream();

        DicomDataSetWriter.Write(bytes, command, TransferSyntax.ImplicitVRLittleEndian);

        Assert.Equal(bytes.Length - 12, BitConverter.ToUInt32(bytes.GetBuffer(), 8));
        bytes.Position = 0;
        var loaded = await DicomDataSetReader.LoadAsync(new NonSeekableStream(bytes.ToArray()), TransferSyntax.ImplicitVRLittleEndian);
        Assert.Equal("1.2.840.10008.1.1", loaded.GetUid(new DicomTag(0x0000, 0x0002)));
        Assert.Equal(DicomVR.US, loaded[new DicomTag(0x0000, 0x0100)]!.VR);
        Assert.Equal(0x0030, loaded.GetInt32(new DicomTag(0x0000, 0x0100)));
        Assert.Equal((int)bytes.Length - 12, loaded.GetInt32(new DicomTag(0x0000, 0x0000)));
        Assert.True(loaded.GetValue(new DicomTag(0x0000, 0x0110))!.IsInMemory);
    }
}
