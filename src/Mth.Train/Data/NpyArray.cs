using System.Buffers.Binary;
using System.Globalization;

namespace Mth.Train.Data;

/// <summary>
/// One array of NumPy's .npy format (versions 1.0, 2.0 and 3.0 headers): the magic
/// "\x93NUMPY", a version, a little-endian header length, then an ASCII Python dict with
/// 'descr', 'fortran_order' and 'shape', then the raw data. Parsed by hand (no NumPy here).
/// </summary>
public sealed class NpyArray
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private NpyArray(string dtype, int[] shape, bool fortranOrder, byte[] data)
    {
        DType = dtype;
        Shape = shape;
        FortranOrder = fortranOrder;
        Data = data;
    }

    /// <summary>NumPy type string, e.g. "|u1", "&lt;i8".</summary>
    public string DType { get; }

    public IReadOnlyList<int> Shape { get; }

    public bool FortranOrder { get; }

    /// <summary>The raw element bytes, C order unless <see cref="FortranOrder"/>.</summary>
    public byte[] Data { get; }

    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary>Bytes per element from the dtype ("|u1" is 1, "&lt;i8" is 8).</summary>
    public int ElementSize => int.Parse(DType.AsSpan(2), CultureInfo.InvariantCulture);

    public static NpyArray Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length < 10 || !file.StartsWith(Magic))
        {
            throw new DataSourceException("Not a .npy array (magic \\x93NUMPY missing).");
        }

        var major = file[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]);
                headerStart = 10;
                break;
            case 2 or 3 when file.Length >= 12:
                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(file[8..]));
                headerStart = 12;
                break;
            default:
                throw new DataSourceException($".npy format version {major}.{file[7]} is not supported (1.0, 2.0, 3.0 are).");
        }

        if (headerStart + headerLength > file.Length)
        {
            throw new DataSourceException(".npy header runs past the end of the file.");
        }

        var header = System.Text.Encoding.ASCII.GetString(file.Slice(headerStart, headerLength));
        var dtype = ReadQuoted(header, "descr");
        var fortran = ReadWord(header, "fortran_order") switch
        {
            "True" => true,
            "False" => false,
            var other => throw new DataSourceException($".npy header has fortran_order '{other}'."),
        };
        var shape = ReadShape(header);
        if (dtype.Length < 3 || dtype[0] is not ('|' or '<' or '>' or '=') || dtype[1] is not ('u' or 'i' or 'b' or 'f')
            || !int.TryParse(dtype.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size is not (1 or 2 or 4 or 8))
        {
            throw new DataSourceException($".npy dtype '{dtype}' is not supported (integers and floats of 1, 2, 4 or 8 bytes are).");
        }

        if (dtype[0] == '>' && size > 1)
        {
            throw new DataSourceException($".npy dtype '{dtype}' is big-endian; only little-endian arrays are supported.");
        }

        var count = shape.Aggregate(1L, (product, dimension) => product * dimension);
        var dataLength = checked(count * size);
        var data = file[(headerStart + headerLength)..];
        if (data.Length < dataLength)
        {
            throw new DataSourceException($".npy array of shape ({string.Join(", ", shape)}) needs {dataLength} bytes, the file has {data.Length}.");
        }

        return new NpyArray(dtype, shape, fortran, data[..checked((int)dataLength)].ToArray());
    }

    /// <summary>Element <paramref name="flatIndex"/> of an integer array, widened to long.</summary>
    public long GetInteger(long flatIndex)
    {
        var kind = DType[1];
        var size = ElementSize;
        var bytes = Data.AsSpan(checked((int)(flatIndex * size)), size);
        return (kind, size) switch
        {
            ('u' or 'b', 1) => bytes[0],
            ('i', 1) => (sbyte)bytes[0],
            ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(bytes),
            ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(bytes),
            ('u', 8) => checked((long)BinaryPrimitives.ReadUInt64LittleEndian(bytes)),
            ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            _ => throw new DataSourceException($"Array of dtype '{DType}' does not hold integers."),
        };
    }

    private static string ReadQuoted(string header, string key)
    {
        var value = ValueStart(header, key);
        var quote = header[value];
        if (quote is not ('\'' or '"'))
        {
            throw new DataSourceException($".npy header: '{key}' is not a string.");
        }

        var end = header.IndexOf(quote, value + 1);
        return end < 0 ? throw new DataSourceException($".npy header: '{key}' is unterminated.") : header[(value + 1)..end];
    }

    private static string ReadWord(string header, string key)
    {
        var value = ValueStart(header, key);
        var end = value;
        while (end < header.Length && char.IsLetter(header[end]))
        {
            end++;
        }

        return header[value..end];
    }

    private static int[] ReadShape(string header)
    {
        var value = ValueStart(header, "shape");
        var end = header.IndexOf(')', value);
        if (header[value] != '(' || end < 0)
        {
            throw new DataSourceException(".npy header: 'shape' is not a tuple.");
        }

        var dimensions = header[(value + 1)..end]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => int.TryParse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new DataSourceException($".npy header: shape entry '{d}' is not a size."))
            .ToArray();
        return dimensions;
    }

    private static int ValueStart(string header, string key)
    {
        var at = header.IndexOf($"'{key}'", StringComparison.Ordinal);
        if (at < 0)
        {
            at = header.IndexOf($"\"{key}\"", StringComparison.Ordinal);
        }

        if (at < 0)
        {
            throw new DataSourceException($".npy header has no '{key}': {header.Trim()}");
        }

        var colon = header.IndexOf(':', at + key.Length + 2);
        if (colon < 0)
        {
            throw new DataSourceException($".npy header: no value for '{key}'.");
        }

        var value = colon + 1;
        while (value < header.Length && header[value] == ' ')
        {
            value++;
        }

        return value < header.Length ? value : throw new DataSourceException($".npy header: no value for '{key}'.");
    }
}
