using System.Text;

namespace Mth.Dicom.Network;

/// <summary>
/// Application Entity titles (PS3.5 6.2, AE): 1 to 16 characters of the default repertoire
/// without backslash or control characters; leading and trailing spaces are not significant,
/// and comparison is case-sensitive.
/// </summary>
public static class AeTitle
{
    public const int MaxLength = 16;

    public static bool IsValid(string? title)
    {
        if (title is null)
        {
            return false;
        }

        var trimmed = title.AsSpan().Trim(' ');
        if (trimmed.IsEmpty || trimmed.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in trimmed)
        {
            if (c < 0x20 || c > 0x7E || c == '\\')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the title without insignificant spaces, or throws an <see cref="ArgumentException"/> naming the rule.</summary>
    public static string Validate(string? title, string what = "AE title")
    {
        if (!IsValid(title))
        {
            throw new ArgumentException(
                $"{what} '{title}' is not valid: 1 to 16 printable ASCII characters, no backslash.", nameof(title));
        }

        return title!.Trim(' ');
    }

    /// <summary>Writes the 16-byte, space-padded field of an A-ASSOCIATE PDU.</summary>
    internal static void WriteField(Span<byte> destination, string title)
    {
        destination[..MaxLength].Fill((byte)' ');
        Encoding.ASCII.GetBytes(title.AsSpan().Trim(' '), destination);
    }

    /// <summary>Reads a 16-byte field; non-printable bytes become '?', so a hostile title cannot forge log lines.</summary>
    internal static string ReadField(ReadOnlySpan<byte> field)
    {
        Span<char> chars = stackalloc char[MaxLength];
        var length = Math.Min(field.Length, MaxLength);
        for (var i = 0; i < length; i++)
        {
            var b = field[i];
            chars[i] = b is >= 0x20 and <= 0x7E ? (char)b : b == 0 ? ' ' : '?';
        }

        return new string(chars[..length].Trim(' '));
    }
}
