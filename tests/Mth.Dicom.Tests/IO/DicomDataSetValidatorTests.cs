using Mth.Dicom.IO;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.IO;

public sealed class DicomDataSetValidatorTests : IDisposable
{
    private const string SopInstance = "1.2.826.0.1.3680043.2.1125.7.7";
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<FixtureEncoding, string> Encodings => SampleDataSets.Encodings(includeDeflated: false);

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_well_formed_data_set_validates_whole_and_in_fragments_of_any_size(FixtureEncoding encoding, string lengths)
    {
        var (bytes, transferSyntax) = DataSetBytes(SampleDataSets.Structured(SopInstance).Write(_directory, "a.dcm", encoding, lengths));

        var pulled = DicomDataSetValidator.Validate(new MemoryStream(bytes), transferSyntax);
        Assert.Equal(bytes.Length, pulled.Length);
        Assert.Equal(SampleDataSets.SopClassUid, pulled.SopClassUid);
        Assert.Equal(SopInstance, pulled.SopInstanceUid);
        Assert.True(pulled.HasPixelData);

        var random = new Random(1234);
        foreach (var maxFragment in new[] { 1, 2, 3, 7, 13, 64, 1000, bytes.Length })
        {
            var pushed = new DicomDataSetValidator(transferSyntax);
            for (var offset = 0; offset < bytes.Length;)
            {
                var take = Math.Min(bytes.Length - offset, random.Next(1, maxFragment + 1));
                pushed.Append(bytes.AsSpan(offset, take));
                offset += take;
            }

            Assert.Equal(pulled, pushed.Complete());
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void The_summary_captures_the_top_level_identifiers_a_receiver_files_an_instance_under(FixtureEncoding encoding, string lengths)
    {
        var builder = DicomDumpBuilder.WithSopCommon(SampleDataSets.SopClassUid, SopInstance)
            .Add("(0008,0060) CS [MR]")
            .Add("(0008,1140) SQ (Sequence with undefined length)")
            .Add("(fffe,e000) na (Item with undefined length)")
            .Add("(0020,000d) UI [9.9.9]")
            .Add("(0018,0015) CS [NESTED]")
            .Add("(fffe,e00d) na (ItemDelimitationItem)")
            .Add("(fffe,e0dd) na (SequenceDelimitationItem)")
            .Add("(0018,0015) CS [HEAD]")
            .Add("(0020,000d) UI [1.2.826.0.1.3680043.2.1125.1]")
            .Add("(0020,000e) UI [1.2.826.0.1.3680043.2.1125.1.2]");
        var (bytes, transferSyntax) = DataSetBytes(builder.Write(_directory, "ids.dcm", encoding, lengths));

        var pulled = DicomDataSetValidator.Validate(new MemoryStream(bytes), transferSyntax);
        var pushed = new DicomDataSetValidator(transferSyntax);
        pushed.Append(bytes);

        Assert.Equal(pulled, pushed.Complete());
        Assert.Equal("1.2.826.0.1.3680043.2.1125.1", pulled.StudyInstanceUid);
        Assert.Equal("1.2.826.0.1.3680043.2.1125.1.2", pulled.SeriesInstanceUid);
        Assert.Equal("MR", pulled.Modality);
        Assert.Equal("HEAD", pulled.BodyPartExamined);
    }

    [Fact]
    public void Identifiers_absent_from_the_data_set_are_null_in_the_summary()
    {
        var (bytes, transferSyntax) = DataSetBytes(SampleDataSets.Structured(SopInstance).Write(_directory, "none.dcm"));

        var summary = DicomDataSetValidator.Validate(new MemoryStream(bytes), transferSyntax);

        Assert.Null(summary.StudyInstanceUid);
        Assert.Null(summary.SeriesInstanceUid);
        Assert.Null(summary.BodyPartExamined);
        Assert.Equal("OT", summary.Modality);
    }

    [Fact]
    public void Encapsulated_rle_pixel_data_validates()
    {
        var native = SampleDataSets.Structured(SopInstance).Write(_directory, "native.dcm");
        var rle = _directory.File("rle.dcm");
        Dcmtk.RunChecked("dcmcrle", native, rle);
        var (bytes, transferSyntax) = DataSetBytes(rle);
        Assert.Equal(TransferSyntax.RleLossless, transferSyntax);

        var pushed = new DicomDataSetValidator(transferSyntax);
        pushed.Append(bytes);
        var summary = pushed.Complete();

        Assert.True(summary.HasPixelData);
        Assert.Equal(SopInstance, summary.SopInstanceUid);
    }

    [Fact]
    public async Task A_deflated_data_set_validates_from_a_stream_and_push_validation_refuses_deflate()
    {
        var path = SampleDataSets.Structured(SopInstance).Write(_directory, "deflated.dcm", FixtureEncoding.Deflated);
        await using var stream = File.OpenRead(path);
        var meta = DicomFileMetaInformation.Read(stream)!;

        var summary = await DicomDataSetValidator.ValidateAsync(stream, meta.TransferSyntax);

        Assert.Equal(SopInstance, summary.SopInstanceUid);
        Assert.Throws<NotSupportedException>(() => new DicomDataSetValidator(meta.TransferSyntax));
    }

    [Fact]
    public void A_data_set_cut_inside_a_value_or_a_sequence_is_truncated()
    {
        var (bytes, transferSyntax) = DataSetBytes(SampleDataSets.Structured(SopInstance).Write(_directory, "cut.dcm", FixtureEncoding.ExplicitLittle, "-e"));
        var boundaries = TopLevelElementBoundaries(bytes, transferSyntax);

        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var validator = new DicomDataSetValidator(transferSyntax);
            validator.Append(bytes.AsSpan(0, cut));
            if (boundaries.Contains(cut))
            {
                // Cut between top-level elements: a shorter, still well-formed data set.
                validator.Complete();
                continue;
            }

            var error = Assert.Throws<DicomFormatException>(() => validator.Complete());
            Assert.StartsWith("Truncated data", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_value_length_past_the_end_of_a_seekable_stream_is_refused_before_reading_it()
    {
        // (0010,0010) PN with length 0xFFF0 but 4 bytes of data.
        byte[] bytes = [0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N', 0xF0, 0xFF, (byte)'D', (byte)'o', (byte)'e', (byte)' '];

        var error = Assert.Throws<DicomFormatException>(() => DicomDataSetValidator.Validate(new MemoryStream(bytes), TransferSyntax.ExplicitVRLittleEndian));

        Assert.Contains("past the end of the data", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void A_4_gigabyte_length_on_a_non_seekable_stream_fails_when_the_data_ends_without_allocating_it()
    {
        byte[] bytes = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4];
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<DicomFormatException>(() => DicomDataSetValidator.Validate(new NonSeekableStream(bytes), TransferSyntax.ExplicitVRLittleEndian));

        Assert.StartsWith("Truncated data", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void An_item_longer_than_its_sequence_is_refused()
    {
        // (0008,1140) SQ length 16 holding an item of length 100.
        byte[] bytes =
        [
            0x08, 0x00, 0x40, 0x11, (byte)'S', (byte)'Q', 0, 0, 16, 0, 0, 0,
            0xFE, 0xFF, 0x00, 0xE0, 100, 0, 0, 0,
            0x08, 0x00, 0x50, 0x11, (byte)'U', (byte)'I', 0, 0,
        ];

        var error = Assert.Throws<DicomFormatException>(() => DicomDataSetValidator.Validate(new MemoryStream(bytes), TransferSyntax.ExplicitVRLittleEndian));

        Assert.Contains("past the end of its enclosing sequence (0008,1140)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sequences_nested_deeper_than_the_limit_are_refused()
    {
        using var bytes = new MemoryStream();
        for (var i = 0; i < 40; i++)
        {
            bytes.Write([0x08, 0x00, 0x40, 0x11, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
            bytes.Write([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        }

        var validator = new DicomDataSetValidator(TransferSyntax.ExplicitVRLittleEndian, new DicomReaderOptions { MaxSequenceDepth = 16 });

        var error = Assert.Throws<DicomFormatException>(() => validator.Append(bytes.ToArray()));
        Assert.Contains("nested deeper than 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Odd_lengths_are_refused_unless_accepted_by_option()
    {
        byte[] bytes = [0x10, 0x00, 0x20, 0x00, (byte)'L', (byte)'O', 3, 0, (byte)'A', (byte)'B', (byte)'C'];

        var error = Assert.Throws<DicomFormatException>(() => DicomDataSetValidator.Validate(new MemoryStream(bytes), TransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains("odd length 3", error.Message, StringComparison.Ordinal);

        var summary = DicomDataSetValidator.Validate(new MemoryStream(bytes), TransferSyntax.ExplicitVRLittleEndian, new DicomReaderOptions { AcceptOddLengths = true });
        Assert.Equal(1, summary.ElementCount);
    }

    [Fact]
    public void Undefined_length_is_refused_for_a_vr_that_cannot_have_it()
    {
        byte[] bytes = [0x28, 0x00, 0x10, 0x00, (byte)'O', (byte)'W', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];

        var error = Assert.Throws<DicomFormatException>(() => DicomDataSetValidator.Validate(new MemoryStream(bytes), TransferSyntax.ExplicitVRLittleEndian));

        Assert.Contains("undefined length", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_a_vr_in_an_explicit_vr_data_set_are_refused()
    {
        byte[] bytes = [0x10, 0x00, 0x10, 0x00, 0x04, 0x00, 0x00, 0x00, (byte)'D', (byte)'o', (byte)'e', (byte)' '];

        var error = Assert.Throws<DicomFormatException>(() => DicomDataSetValidator.Validate(new MemoryStream(bytes), TransferSyntax.ExplicitVRLittleEndian));

        Assert.Contains("no valid VR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delimiter_outside_a_sequence_is_refused()
    {
        byte[] bytes = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];

        var error = Assert.Throws<DicomFormatException>(() => DicomDataSetValidator.Validate(new MemoryStream(bytes), TransferSyntax.ImplicitVRLittleEndian));

        Assert.Contains("sequence delimiter in the top-level data set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_after_the_end_of_a_completed_push_are_refused()
    {
        var validator = new DicomDataSetValidator(TransferSyntax.ExplicitVRLittleEndian);
        validator.Complete();

        Assert.Throws<InvalidOperationException>(() => validator.Append([1, 2]));
    }

    private static (byte[] Bytes, TransferSyntax TransferSyntax) DataSetBytes(string part10File)
    {
        using var stream = File.OpenRead(part10File);
        var meta = DicomFileMetaInformation.Read(stream) ?? throw new InvalidOperationException("fixture has no file meta");
        using var rest = new MemoryStream();
        stream.CopyTo(rest);
        return (rest.ToArray(), meta.TransferSyntax);
    }

    private static HashSet<int> TopLevelElementBoundaries(byte[] bytes, TransferSyntax transferSyntax)
    {
        var boundaries = new HashSet<int>();
        using var reader = new DicomDataSetReader(new MemoryStream(bytes), transferSyntax);
        var depth = 0;
        while (reader.Read())
        {
            switch (reader.Token)
            {
                case DicomReaderToken.SequenceStart or DicomReaderToken.FragmentsStart:
                    depth++;
                    break;
                case DicomReaderToken.SequenceEnd or DicomReaderToken.FragmentsEnd:
                    depth--;
                    if (depth == 0)
                    {
                        boundaries.Add((int)reader.Position);
                    }

                    break;
                case DicomReaderToken.Element when depth == 0:
                    boundaries.Add((int)(reader.ValueOffset + reader.Length));
                    break;
            }
        }

        return boundaries;
    }
}
