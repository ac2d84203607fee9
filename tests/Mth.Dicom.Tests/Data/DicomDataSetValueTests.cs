using System.Text;
using Mth.Dicom.Data;

namespace Mth.Dicom.Tests.Data;

public sealed class DicomDataSetValueTests
{
    private static readonly DicomTag Private = new(0x0009, 0x1010);

    private static DicomDataSet With(DicomTag tag, DicomVR vr, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var data = new DicomDataSet();
        data.Set(new DicomValueElement(tag, vr, DicomValue.FromBytes(bytes)));
        return data;
    }

    private static DicomDataSet WithBytes(DicomTag tag, DicomVR vr, params byte[] bytes)
    {
        var data = new DicomDataSet();
        data.Set(new DicomValueElement(tag, vr, DicomValue.FromBytes(bytes)));
        return data;
    }

    [Theory]
    [InlineData(" 1.5 ", 1.5)]
    [InlineData("-4096", -4096)]
    [InlineData("+2.5E-3", 0.0025)]
    [InlineData(".5", 0.5)]
    [InlineData("1e2", 100)]
    public void Decimal_strings_parse_with_the_invariant_culture(string text, double expected)
    {
        Assert.Equal(expected, With(DicomTag.RescaleSlope, DicomVR.DS, text).GetDouble(DicomTag.RescaleSlope));
    }

    [Fact]
    public void Multi_valued_decimal_strings_give_every_value()
    {
        var data = With(DicomTag.WindowCenter, DicomVR.DS, "40\\-600 \\1e3 ");

        Assert.Equal([40.0, -600.0, 1000.0], data.GetDoubles(DicomTag.WindowCenter));
        Assert.Equal(3, data.GetValueCount(DicomTag.WindowCenter));
        Assert.Equal(-600, data.GetInt32(DicomTag.WindowCenter, 1));
        Assert.Null(data.GetDouble(DicomTag.WindowCenter, 3));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    public void A_malformed_decimal_string_is_a_format_error_naming_the_tag_not_the_value(string text)
    {
        var data = With(DicomTag.RescaleSlope, DicomVR.DS, text);

        var error = Assert.Throws<DicomFormatException>(() => data.GetDouble(DicomTag.RescaleSlope));
        Assert.Contains("(0028,1053) RescaleSlope", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(text, error.Message, StringComparison.Ordinal);
        Assert.False(data.TryGetDouble(DicomTag.RescaleSlope, out _));
    }

    [Theory]
    [InlineData("12", 12)]
    [InlineData(" -7 ", -7)]
    [InlineData("+3", 3)]
    [InlineData("4.0", 4)]
    public void Integer_strings_parse(string text, int expected)
    {
        Assert.Equal(expected, With(DicomTag.InstanceNumber, DicomVR.IS, text).GetInt32(DicomTag.InstanceNumber));
    }

    [Fact]
    public void An_integer_string_with_a_fraction_is_not_an_integer()
    {
        Assert.Throws<DicomFormatException>(() => With(DicomTag.InstanceNumber, DicomVR.IS, "4.5").GetInt32(DicomTag.InstanceNumber));
    }

    [Fact]
    public void Binary_numbers_are_read_little_endian_by_vr()
    {
        Assert.Equal(513, WithBytes(DicomTag.Rows, DicomVR.US, 1, 2).GetInt32(DicomTag.Rows));
        Assert.Equal(-2, WithBytes(DicomTag.PixelPaddingValue, DicomVR.SS, 0xFE, 0xFF).GetInt32(DicomTag.PixelPaddingValue));
        Assert.Equal(1.5, WithBytes(Private, DicomVR.FD, BitConverter.GetBytes(1.5)).GetDouble(Private));
        Assert.Equal(-0.25, WithBytes(Private, DicomVR.FL, BitConverter.GetBytes(-0.25f)).GetDouble(Private));
        Assert.Equal(4_000_000_000, WithBytes(Private, DicomVR.UL, BitConverter.GetBytes(4_000_000_000u)).GetDouble(Private));
        Assert.Equal([1.0, 2.0], WithBytes(Private, DicomVR.US, 1, 0, 2, 0).GetDoubles(Private));
    }

    [Fact]
    public void Absent_and_empty_values_read_as_null()
    {
        var data = With(DicomTag.WindowWidth, DicomVR.DS, string.Empty);

        Assert.Null(data.GetDouble(DicomTag.WindowWidth));
        Assert.Null(data.GetDouble(DicomTag.WindowCenter));
        Assert.Null(data.GetString(DicomTag.PatientName));
        Assert.Empty(data.GetStrings(DicomTag.PatientName));
        Assert.Null(data.GetUid(DicomTag.SOPInstanceUID));
        Assert.Null(data.GetDate(DicomTag.StudyDate));
    }

    [Fact]
    public void Text_loses_the_padding_its_vr_calls_insignificant()
    {
        Assert.Equal("CT", With(DicomTag.Modality, DicomVR.CS, " CT ").GetString(DicomTag.Modality));
        Assert.Equal("1.2.3", With(DicomTag.SOPInstanceUID, DicomVR.UI, "1.2.3\0").GetString(DicomTag.SOPInstanceUID));
        Assert.Equal("  indented", With(Private, DicomVR.LT, "  indented  ").GetString(Private));
        Assert.Equal(["A", "B"], With(DicomTag.Modality, DicomVR.CS, "A \\ B").GetStrings(DicomTag.Modality));
        Assert.Equal(["a\\b"], With(Private, DicomVR.ST, "a\\b").GetStrings(Private));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("2.25.123")]
    public void Valid_uids_are_returned_without_padding(string uid)
    {
        Assert.Equal(uid, With(DicomTag.SOPInstanceUID, DicomVR.UI, uid + "\0").GetUid(DicomTag.SOPInstanceUID));
    }

    [Theory]
    [InlineData("1.2.03")]
    [InlineData("1..2")]
    [InlineData("../x")]
    [InlineData("1.2.3a")]
    public void Invalid_uids_are_a_format_error(string uid)
    {
        Assert.Throws<DicomFormatException>(() => With(DicomTag.SOPInstanceUID, DicomVR.UI, uid).GetUid(DicomTag.SOPInstanceUID));
    }

    [Theory]
    [InlineData("20240229", 2024, 2, 29)]
    [InlineData("1999.12.31", 1999, 12, 31)]
    public void Dates_parse_in_the_standard_and_acr_nema_forms(string text, int year, int month, int day)
    {
        Assert.Equal(new DateOnly(year, month, day), With(DicomTag.StudyDate, DicomVR.DA, text).GetDate(DicomTag.StudyDate));
    }

    [Theory]
    [InlineData("20230229")]
    [InlineData("2024013")]
    public void Impossible_dates_are_a_format_error(string text)
    {
        Assert.Throws<DicomFormatException>(() => With(DicomTag.StudyDate, DicomVR.DA, text).GetDate(DicomTag.StudyDate));
    }

    [Theory]
    [InlineData("07", 7, 0, 0, 0)]
    [InlineData("0715", 7, 15, 0, 0)]
    [InlineData("071530", 7, 15, 30, 0)]
    [InlineData("071530.25", 7, 15, 30, 250)]
    [InlineData("07:15:30", 7, 15, 30, 0)]
    public void Times_parse_with_any_precision(string text, int hour, int minute, int second, int millisecond)
    {
        Assert.Equal(new TimeOnly(hour, minute, second, millisecond), With(Private, DicomVR.TM, text).GetTime(Private));
    }

    [Fact]
    public void Date_times_carry_their_offset()
    {
        var value = With(Private, DicomVR.DT, "20240102030405.5+0130").GetDateTime(Private);

        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.FromMinutes(90)), value);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), With(Private, DicomVR.DT, "2024").GetDateTime(Private));
    }

    [Fact]
    public void Set_string_encodes_with_the_data_sets_character_set_and_pads_to_even_length()
    {
        var data = new DicomDataSet();
        data.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        data.SetString(DicomTag.PatientName, DicomVR.PN, "Ødegård");

        var bytes = data.GetValue(DicomTag.PatientName)!.ToArray();
        Assert.Equal([.. Encoding.UTF8.GetBytes("Ødegård"), (byte)' '], bytes);
        Assert.Equal("Ødegård", data.GetString(DicomTag.PatientName));
        data.SetString(DicomTag.SOPInstanceUID, DicomVR.UI, "1.2.3");
        Assert.Equal("1.2.3\0"u8.ToArray(), data.GetValue(DicomTag.SOPInstanceUID)!.ToArray());
    }

    [Fact]
    public void Elements_stay_in_tag_order_and_set_replaces()
    {
        var data = new DicomDataSet();
        data.SetUInt16(DicomTag.Rows, 4);
        data.SetUInt16(DicomTag.SamplesPerPixel, 1);
        data.SetUInt16(DicomTag.Columns, 5);
        data.SetUInt16(DicomTag.Rows, 6);

        Assert.Equal([DicomTag.SamplesPerPixel, DicomTag.Rows, DicomTag.Columns], data.Select(e => e.Tag));
        Assert.Equal(6, data.GetInt32(DicomTag.Rows));
        Assert.True(data.Remove(DicomTag.Rows));
        Assert.False(data.Contains(DicomTag.Rows));
    }

    [Fact]
    public void Items_inherit_the_character_set_until_they_declare_their_own()
    {
        var root = new DicomDataSet();
        root.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");
        var inherits = new DicomDataSet();
        var declares = new DicomDataSet();
        declares.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        root.Set(new DicomSequence(new DicomTag(0x0008, 0x1140), [inherits, declares]));

        Assert.Equal(["ISO_IR 100"], inherits.CharacterSet.Terms);
        Assert.Equal(["ISO_IR 192"], declares.CharacterSet.Terms);
        root.SetString(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 144");
        Assert.Equal(["ISO_IR 144"], inherits.CharacterSet.Terms);
    }
}
