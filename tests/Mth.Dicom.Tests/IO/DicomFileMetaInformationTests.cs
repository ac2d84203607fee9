using Mth.Dicom.IO;
using Mth.Testing.Dicom;

namespace Mth.Dicom.Tests.IO;

public sealed class DicomFileMetaInformationTests
{
    private const string SopClass = "1.2.840.10008.5.1.4.1.1.2";
    private const string SopInstance = "1.2.826.0.1.3680043.2.1125.1.42";

    [Fact]
    public void Meta_followed_by_received_data_set_bytes_is_a_part_10_file_dcmtk_reads_equal_to_the_original()
    {
        using var directory = new TemporaryDirectory();
        foreach (var (encoding, uid) in new[]
        {
            (FixtureEncoding.ExplicitLittle, "1.2.840.10008.1.2.1"),
            (FixtureEncoding.ImplicitLittle, "1.2.840.10008.1.2"),
            (FixtureEncoding.ExplicitBig, "1.2.840.10008.1.2.2"),
            (FixtureEncoding.Deflated, "1.2.840.10008.1.2.1.99"),
        })
        {
            var original = SampleDataSets.Structured(SopInstance).Write(directory, $"original-{encoding}.dcm", encoding);
            var bare = SampleDataSets.Structured(SopInstance).Write(directory, $"bare-{encoding}", encoding, "-F");
            var meta = new DicomFileMetaInformation(SampleDataSets.SopClassUid, SopInstance, uid)
            {
                SourceApplicationEntityTitle = "MTH_SCP",
            };

            var copy = directory.File($"copy-{encoding}.dcm");
            using (var file = File.Create(copy))
            {
                meta.WriteTo(file);
                file.Write(File.ReadAllBytes(bare));
            }

            Assert.Equal(Dcmtk.DumpDataSet(original), Dcmtk.DumpDataSet(copy));
            var metaDump = Dcmtk.RunChecked("dcmdump", "-M", "-Un", "+P", "0002,0010", "+P", "0002,0016", "+P", "0002,0012", copy);
            Assert.Contains($"[{uid}]", metaDump, StringComparison.Ordinal);
            Assert.Contains("[MTH_SCP]", metaDump, StringComparison.Ordinal);
            Assert.Contains($"[{DicomImplementation.ClassUid}]", metaDump, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Group_length_counts_the_bytes_of_group_0002_after_it()
    {
        var meta = new DicomFileMetaInformation(SopClass, SopInstance, TransferSyntax.ExplicitVRLittleEndian)
        {
            SourceApplicationEntityTitle = "ODD",
            SendingApplicationEntityTitle = "SENDER",
            ReceivingApplicationEntityTitle = "RECEIVER",
        };

        var bytes = meta.ToArray();

        Assert.Equal("DICM"u8.ToArray(), bytes[128..132]);
        Assert.All(bytes[..128], b => Assert.Equal(0, b));
        var groupLength = BitConverter.ToUInt32(bytes, 132 + 8);
        Assert.Equal(bytes.Length - 132 - 12, (int)groupLength);
        Assert.Equal(bytes.Length, meta.EncodedLength);
        Assert.True(bytes.Length % 2 == 0);
    }

    [Fact]
    public void Meta_written_is_read_back_and_leaves_the_stream_at_the_data_set()
    {
        var meta = new DicomFileMetaInformation(SopClass, SopInstance, TransferSyntax.ImplicitVRLittleEndian)
        {
            SourceApplicationEntityTitle = "MODALITY1",
        };
        using var stream = new MemoryStream();
        meta.WriteTo(stream);
        stream.Write([0x08, 0x00, 0x18, 0x00]);
        stream.Position = 0;

        var read = DicomFileMetaInformation.Read(stream);

        Assert.NotNull(read);
        Assert.Equal(SopClass, read.MediaStorageSopClassUid);
        Assert.Equal(SopInstance, read.MediaStorageSopInstanceUid);
        Assert.Equal(TransferSyntax.ImplicitVRLittleEndian, read.TransferSyntax);
        Assert.Equal(DicomImplementation.ClassUid, read.ImplementationClassUid);
        Assert.Equal(DicomImplementation.VersionName, read.ImplementationVersionName);
        Assert.Equal("MODALITY1", read.SourceApplicationEntityTitle);
        Assert.Equal(meta.EncodedLength, stream.Position);
    }

    [Fact]
    public void A_stream_without_DICM_has_no_meta_and_is_left_where_it_was()
    {
        using var stream = new MemoryStream(new byte[300]);
        stream.Position = 10;

        Assert.Null(DicomFileMetaInformation.Read(stream));
        Assert.Equal(10, stream.Position);
    }

    [Theory]
    [InlineData("1.2.3.", SopInstance, "1.2.840.10008.1.2")]
    [InlineData(SopClass, "../../etc/passwd", "1.2.840.10008.1.2")]
    [InlineData(SopClass, SopInstance, "1.2.840.10008.1.2.01")]
    public void Invalid_uids_are_refused(string sopClass, string sopInstance, string transferSyntax)
    {
        Assert.Throws<FormatException>(() => new DicomFileMetaInformation(sopClass, sopInstance, transferSyntax));
    }

    [Theory]
    [InlineData("SEVENTEEN_CHARS_X")]
    [InlineData("BACK\\SLASH")]
    [InlineData("   ")]
    public void Invalid_ae_titles_are_refused(string title)
    {
        Assert.Throws<FormatException>(() => new DicomFileMetaInformation(SopClass, SopInstance, TransferSyntax.ExplicitVRLittleEndian)
        {
            SourceApplicationEntityTitle = title,
        });
    }

    [Fact]
    public void A_meta_element_whose_length_runs_past_the_file_is_a_format_error()
    {
        var bytes = new DicomFileMetaInformation(SopClass, SopInstance, TransferSyntax.ExplicitVRLittleEndian).ToArray();
        // (0002,0002) UI: its 16-bit length follows the group length element (12 bytes) and (0002,0001) (14 bytes).
        var lengthOffset = 132 + 12 + 14 + 6;
        bytes[lengthOffset] = 0xF0;
        bytes[lengthOffset + 1] = 0xFF;
        using var stream = new MemoryStream(bytes);

        var error = Assert.Throws<DicomFormatException>(() => DicomFileMetaInformation.Read(stream));
        Assert.Contains("past the end", error.Message, StringComparison.Ordinal);
    }
}
