namespace Mth.Core.Indexing;

/// <summary>
/// Rules for the names that reach storage (Redis keys, folder names of the embedded index):
/// item ids are 1 to 256 printable ASCII characters without spaces (a SOP Instance UID qualifies);
/// version names are 1 to 64 characters of [A-Za-z0-9._-], not "." or "..".
/// </summary>
public static class IndexNames
{
    public const int MaxIdLength = 256;
    public const int MaxVersionLength = 64;

    public static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    public static string ValidateId(string? id)
    {
        if (id is null || !IsValidId(id))
        {
            throw new ArgumentException(
                $"An item id must be 1 to {MaxIdLength} printable ASCII characters without spaces; got {Describe(id, MaxIdLength)}.", nameof(id));
        }

        return id;
    }

    public static bool IsValidVersion(ReadOnlySpan<char> version)
    {
        if (version.IsEmpty || version.Length > MaxVersionLength || version is "." or "..")
        {
            return false;
        }

        foreach (var c in version)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static string ValidateVersion(string? version)
    {
        if (version is null || !IsValidVersion(version))
        {
            throw new ArgumentException(
                $"A version name must be 1 to {MaxVersionLength} characters of A-Z, a-z, 0-9, '.', '_', '-'; got {Describe(version, MaxVersionLength)}.", nameof(version));
        }

        return version;
    }

    private static string Describe(string? value, int max) =>
        value is null ? "null" : value.Length == 0 ? "an empty string" : $"{value.Length} characters";
}
