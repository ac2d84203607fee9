using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mth.Dicom.Data;

namespace Mth.Dicom.Json;

/// <summary>Options of the PS3.18 JSON model writer.</summary>
public sealed class DicomJsonOptions
{
    public static DicomJsonOptions Default { get; } = new();

    /// <summary>
    /// Binary values (OB, OW, OF, OD, OL, OV, UN and encapsulated pixel data) longer than this
    /// are written as a BulkDataURI from <see cref="BulkDataUri"/> when one is given, else
    /// left out with their "vr" only; shorter ones as InlineBinary (base64).
    /// </summary>
    public long InlineBinaryThreshold { get; init; } = long.MaxValue;

    /// <summary>Makes the BulkDataURI of a large binary value (null: leave the value out).</summary>
    public Func<DicomTag, DicomValue, string?>? BulkDataUri { get; init; }

    public bool Indented { get; init; } = true;
}

/// <summary>
/// Writes a data set in the DICOM JSON model (PS3.18 F.2): an object keyed by eight hex digits
/// per attribute, with "vr" and "Value" (strings, numbers, person-name objects, nested
/// objects for sequence items) or "InlineBinary" / "BulkDataURI". Group length elements are
/// left out; text is decoded with the Specific Character Set and (0008,0005) says ISO_IR 192,
/// the character set of JSON text.
/// </summary>
public static class DicomJsonWriter
{
    public static string ToJson(DicomDataSet dataSet, DicomJsonOptions? options = null)
    {
        options ??= DicomJsonOptions.Default;
        using var stream = new MemoryStream();
        Write(stream, dataSet, options);
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    public static void Write(Stream stream, DicomDataSet dataSet, DicomJsonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= DicomJsonOptions.Default;
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = options.Indented,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        Write(writer, dataSet, options);
    }

    public static void Write(Utf8JsonWriter writer, DicomDataSet dataSet, DicomJsonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(dataSet);
        options ??= DicomJsonOptions.Default;
        WriteDataSet(writer, dataSet, options);
        writer.Flush();
    }

    private static void WriteDataSet(Utf8JsonWriter writer, DicomDataSet dataSet, DicomJsonOptions options)
    {
        writer.WriteStartObject();
        foreach (var element in dataSet)
        {
            if (element.Tag.IsGroupLength)
            {
                continue;
            }

            writer.WritePropertyName(element.Tag.ToJsonKey());
            writer.WriteStartObject();
            writer.WriteString("vr", element.VR.Code);
            switch (element)
            {
                case DicomSequence sequence:
                    if (sequence.Items.Count > 0)
                    {
                        writer.WriteStartArray("Value");
                        foreach (var item in sequence.Items)
                        {
                            WriteDataSet(writer, item, options);
                        }

                        writer.WriteEndArray();
                    }

                    break;
                case DicomFragmentSequence fragments:
                    WriteEncapsulated(writer, fragments, options);
                    break;
                case DicomValueElement value:
                    WriteValue(writer, dataSet, value, options);
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, DicomDataSet dataSet, DicomValueElement element, DicomJsonOptions options)
    {
        var vr = element.VR;
        if (element.Value.Length == 0)
        {
            return;
        }

        if (IsBinary(vr))
        {
            WriteBinary(writer, element.Tag, element.Value, options);
            return;
        }

        if (vr == DicomVR.PN)
        {
            WritePersonNames(writer, dataSet.GetStrings(element.Tag));
            return;
        }

        if (element.Tag == DicomTag.SpecificCharacterSet)
        {
            // The JSON text is Unicode: the values now are in ISO_IR 192 whatever they were encoded in.
            writer.WriteStartArray("Value");
            writer.WriteStringValue("ISO_IR 192");
            writer.WriteEndArray();
            return;
        }

        if (vr.IsString)
        {
            var strings = dataSet.GetStrings(element.Tag);
            if (strings.Length == 0 || (strings.Length == 1 && strings[0].Length == 0))
            {
                return;
            }

            writer.WriteStartArray("Value");
            foreach (var text in strings)
            {
                if (text.Length == 0)
                {
                    writer.WriteNullValue();
                }
                else if (vr == DicomVR.IS && DicomValueParser.TryParseIntegerString(text, out var integer))
                {
                    writer.WriteNumberValue((long)integer);
                }
                else if (vr == DicomVR.DS && DicomValueParser.TryParseDecimalString(text, out _))
                {
                    // The decimal string is a valid JSON number once a leading '+' and leading zeros are dropped.
                    writer.WriteRawValue(JsonNumber(text));
                }
                else
                {
                    writer.WriteStringValue(text);
                }
            }

            writer.WriteEndArray();
            return;
        }

        WriteBinaryNumbers(writer, element);
    }

    private static void WriteBinaryNumbers(Utf8JsonWriter writer, DicomValueElement element)
    {
        var bytes = element.Value.GetMemory().Span;
        writer.WriteStartArray("Value");
        switch (element.VR.Code)
        {
            case "US":
                for (var i = 0; i + 1 < bytes.Length; i += 2)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(bytes[i..]));
                }

                break;
            case "SS":
                for (var i = 0; i + 1 < bytes.Length; i += 2)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(bytes[i..]));
                }

                break;
            case "UL":
                for (var i = 0; i + 3 < bytes.Length; i += 4)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(bytes[i..]));
                }

                break;
            case "SL":
                for (var i = 0; i + 3 < bytes.Length; i += 4)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(bytes[i..]));
                }

                break;
            case "FL":
                for (var i = 0; i + 3 < bytes.Length; i += 4)
                {
                    var single = BinaryPrimitives.ReadSingleLittleEndian(bytes[i..]);
                    if (float.IsFinite(single))
                    {
                        // The shortest text that reads back as the same single-precision value.
                        writer.WriteNumberValue(single);
                    }
                    else
                    {
                        WriteFloat(writer, single);
                    }
                }

                break;
            case "FD":
                for (var i = 0; i + 7 < bytes.Length; i += 8)
                {
                    WriteFloat(writer, BinaryPrimitives.ReadDoubleLittleEndian(bytes[i..]));
                }

                break;
            case "SV":
                for (var i = 0; i + 7 < bytes.Length; i += 8)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(bytes[i..]));
                }

                break;
            case "UV":
                for (var i = 0; i + 7 < bytes.Length; i += 8)
                {
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]));
                }

                break;
            case "AT":
                for (var i = 0; i + 3 < bytes.Length; i += 4)
                {
                    writer.WriteStringValue(new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(bytes[i..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i + 2)..])).ToJsonKey());
                }

                break;
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// Person names (PS3.18 F.2.2): alphabetic, ideographic and phonetic groups, with empty
    /// trailing components and groups left out; a name of delimiters only is empty.
    /// </summary>
    private static void WritePersonNames(Utf8JsonWriter writer, string[] names)
    {
        var groupsOfNames = names.Select(name => name.Split('=').Select(group => group.TrimEnd('^', ' ')).ToArray()).ToArray();
        static bool IsEmpty(string[] groups) => groups.All(group => group.Length == 0);
        if (groupsOfNames.All(IsEmpty))
        {
            return;
        }

        writer.WriteStartArray("Value");
        foreach (var groups in groupsOfNames)
        {
            if (IsEmpty(groups))
            {
                writer.WriteNullValue();
                continue;
            }

            writer.WriteStartObject();
            string[] labels = ["Alphabetic", "Ideographic", "Phonetic"];
            for (var g = 0; g < groups.Length && g < labels.Length; g++)
            {
                if (groups[g].Length > 0)
                {
                    writer.WriteString(labels[g], groups[g]);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteBinary(Utf8JsonWriter writer, DicomTag tag, DicomValue value, DicomJsonOptions options)
    {
        if (value.Length > options.InlineBinaryThreshold)
        {
            if (options.BulkDataUri?.Invoke(tag, value) is { } uri)
            {
                writer.WriteString("BulkDataURI", uri);
            }

            return;
        }

        writer.WriteBase64String("InlineBinary", value.GetMemory().Span);
    }

    /// <summary>Encapsulated pixel data: its fragments as one InlineBinary (offset table and item headers left out), or a BulkDataURI.</summary>
    private static void WriteEncapsulated(Utf8JsonWriter writer, DicomFragmentSequence fragments, DicomJsonOptions options)
    {
        var total = fragments.Fragments.Sum(fragment => fragment.Length);
        if (total > options.InlineBinaryThreshold || total > int.MaxValue / 2)
        {
            if (options.BulkDataUri?.Invoke(fragments.Tag, fragments.Fragments.Count > 0 ? fragments.Fragments[0] : DicomValue.Empty) is { } uri)
            {
                writer.WriteString("BulkDataURI", uri);
            }

            return;
        }

        var bytes = new byte[total];
        var offset = 0;
        foreach (var fragment in fragments.Fragments)
        {
            fragment.Read(0, bytes.AsSpan(offset, (int)fragment.Length));
            offset += (int)fragment.Length;
        }

        writer.WriteBase64String("InlineBinary", bytes);
    }

    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            // JSON has no NaN or infinity; PS3.18 leaves them unencodable, written here as strings.
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string JsonNumber(string decimalString)
    {
        var text = decimalString.Trim();
        var negative = text.StartsWith('-');
        if (text.StartsWith('+') || negative)
        {
            text = text[1..];
        }

        var exponent = text.IndexOfAny(['e', 'E']);
        var mantissa = exponent >= 0 ? text[..exponent] : text;
        var suffix = exponent >= 0 ? text[exponent..] : string.Empty;
        if (mantissa.StartsWith('.'))
        {
            mantissa = "0" + mantissa;
        }

        if (mantissa.EndsWith('.'))
        {
            mantissa += "0";
        }

        mantissa = mantissa.TrimStart('0');
        if (mantissa.Length == 0 || mantissa[0] == '.')
        {
            mantissa = "0" + mantissa;
        }

        if (suffix.Length > 1 && suffix[1] == '+')
        {
            suffix = suffix[0] + suffix[2..];
        }

        return (negative ? "-" : string.Empty) + mantissa + suffix;
    }

    private static bool IsBinary(DicomVR vr) =>
        vr == DicomVR.OB || vr == DicomVR.OW || vr == DicomVR.OF || vr == DicomVR.OD || vr == DicomVR.OL || vr == DicomVR.OV || vr == DicomVR.UN;
}
