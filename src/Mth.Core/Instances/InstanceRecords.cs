namespace Mth.Core.Instances;

/// <summary>
/// The checks every instance catalog applies before a record reaches storage (Redis keys, files):
/// UIDs are DICOM UIDs (PS3.5 9.1: 1 to 64 characters of digits and '.', no empty component), the
/// storage key is a relative path inside the instance store, the free-text fields are short printable ASCII.
/// </summary>
public static class InstanceRecords
{
    public const int MaxUidLength = 64;
    public const int MaxStorageKeyLength = 1024;
    public const int MaxTextLength = 64;

    /// <summary>The most studies one <see cref="IInstanceCatalog.ListRecentStudiesAsync"/> call returns.</summary>
    public const int MaxStudyListLimit = 1000;

    public static int ValidateStudyListLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxStudyListLimit);
        return limit;
    }

    public static bool IsValidUid(ReadOnlySpan<char> uid)
    {
        if (uid.IsEmpty || uid.Length > MaxUidLength || uid[0] == '.' || uid[^1] == '.')
        {
            return false;
        }

        var previous = ' ';
        foreach (var c in uid)
        {
            if (!(char.IsAsciiDigit(c) || c == '.') || (c == '.' && previous == '.'))
            {
                return false;
            }

            previous = c;
        }

        return true;
    }

    public static string ValidateUid(string? uid, string what)
    {
        if (uid is null || !IsValidUid(uid))
        {
            throw new ArgumentException($"{what} must be a DICOM UID (1 to {MaxUidLength} digits and dots); got {Describe(uid)}.", what);
        }

        return uid;
    }

    /// <summary>A relative path of '/'-separated segments, none empty, "." or ".."; printable ASCII without backslash.</summary>
    public static bool IsValidStorageKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || key.Length > MaxStorageKeyLength || key[0] == '/')
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is < '!' or > '~' || c == '\\')
            {
                return false;
            }
        }

        foreach (var range in key.Split('/'))
        {
            var segment = key[range];
            if (segment.IsEmpty || segment is "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that breaks the rules.</summary>
    public static InstanceRecord Validate(InstanceRecord? record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ValidateUid(record.SopInstanceUid, nameof(InstanceRecord.SopInstanceUid));
        ValidateUid(record.StudyInstanceUid, nameof(InstanceRecord.StudyInstanceUid));
        ValidateUid(record.SeriesInstanceUid, nameof(InstanceRecord.SeriesInstanceUid));
        ValidateUid(record.SopClassUid, nameof(InstanceRecord.SopClassUid));
        if (!IsValidStorageKey(record.StorageKey))
        {
            throw new ArgumentException($"StorageKey must be a relative path inside the instance store; got {Describe(record.StorageKey)}.", nameof(record));
        }

        CheckText(record.Modality, nameof(InstanceRecord.Modality));
        CheckText(record.BodyPartExamined, nameof(InstanceRecord.BodyPartExamined));
        return record;
    }

    private static void CheckText(string? value, string what)
    {
        if (value is null || value.Length > MaxTextLength || value.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException($"{what} must be at most {MaxTextLength} printable ASCII characters; got {Describe(value)}.", what);
        }
    }

    private static string Describe(string? value) =>
        value is null ? "null" : value.Length == 0 ? "an empty string" : $"{value.Length} characters";
}
