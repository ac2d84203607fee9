namespace Mth.Dicom;

/// <summary>
/// UID rules of PS3.5 section 9.1: at most 64 characters, components of digits separated by
/// single dots, no leading zero in a multi-digit component. A UID that passes
/// <see cref="IsValid"/> is safe to use as a file or key name.
/// </summary>
public static class DicomUid
{
    public const int MaxLength = 64;

    public static bool IsValid(ReadOnlySpan<char> uid)
    {
        if (uid.IsEmpty || uid.Length > MaxLength)
        {
            return false;
        }

        var componentStart = 0;
        for (var i = 0; i <= uid.Length; i++)
        {
            if (i == uid.Length || uid[i] == '.')
            {
                var length = i - componentStart;
                if (length == 0 || (length > 1 && uid[componentStart] == '0'))
                {
                    return false;
                }

                componentStart = i + 1;
            }
            else if (!char.IsAsciiDigit(uid[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the UID or throws a <see cref="FormatException"/> that names what was wrong, never the value's bytes beyond 64 characters.</summary>
    public static string Validate(string? uid, string what = "UID")
    {
        if (uid is null || !IsValid(uid))
        {
            var shown = uid is null ? "(missing)" : uid.Length > MaxLength ? uid[..MaxLength] + "…" : uid;
            throw new FormatException($"{what} '{shown}' is not a valid DICOM UID (PS3.5 9.1).");
        }

        return uid;
    }

    /// <summary>Removes the trailing NUL or space padding that an even-length encoding adds.</summary>
    public static string TrimPadding(string value) => value.TrimEnd('\0', ' ');

    /// <summary>A new UID under the 2.25 root (PS3.5 B.2): the decimal form of a random 128-bit UUID.</summary>
    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes, bigEndian: true, out _);
        var value = new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        return "2.25." + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
