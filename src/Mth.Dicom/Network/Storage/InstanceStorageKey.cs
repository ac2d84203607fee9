using System.Diagnostics.CodeAnalysis;

namespace Mth.Dicom.Network.Storage;

/// <summary>
/// Where the pipeline's instance store keeps an instance: <c>&lt;Study&gt;/&lt;Series&gt;/&lt;SOP&gt;.dcm</c>
/// under its root, each segment a validated UID. The relative form (with '/' separators) is the
/// storage key that messages carry. Readers resolve a key with <see cref="TryResolve"/>, which
/// accepts exactly that shape, so no key can name anything outside the root.
/// </summary>
public static class InstanceStorageKey
{
    public const string Extension = ".dcm";

    /// <summary>The storage key of an instance; throws <see cref="FormatException"/> when a UID is not valid.</summary>
    public static string For(string studyInstanceUid, string seriesInstanceUid, string sopInstanceUid) =>
        DicomUid.Validate(studyInstanceUid, "Study Instance UID") + "/"
        + DicomUid.Validate(seriesInstanceUid, "Series Instance UID") + "/"
        + DicomUid.Validate(sopInstanceUid, "SOP Instance UID") + Extension;

    /// <summary>The full path of <paramref name="storageKey"/> under <paramref name="root"/>, or false when the key does not have the store's shape.</summary>
    public static bool TryResolve(string root, string? storageKey, [NotNullWhen(true)] out string? fullPath)
    {
        ArgumentNullException.ThrowIfNull(root);
        fullPath = null;
        if (storageKey is null || !TryParse(storageKey, out var study, out var series, out var sop))
        {
            return false;
        }

        fullPath = Path.Combine(Path.GetFullPath(root), study, series, sop + Extension);
        return true;
    }

    /// <summary>Splits a storage key into its three UIDs; false unless it is exactly <c>study/series/sop.dcm</c> with valid UIDs.</summary>
    public static bool TryParse(string storageKey, [NotNullWhen(true)] out string? studyInstanceUid,
        [NotNullWhen(true)] out string? seriesInstanceUid, [NotNullWhen(true)] out string? sopInstanceUid)
    {
        ArgumentNullException.ThrowIfNull(storageKey);
        studyInstanceUid = seriesInstanceUid = sopInstanceUid = null;
        var parts = storageKey.Split('/');
        if (parts.Length != 3 || !parts[2].EndsWith(Extension, StringComparison.Ordinal))
        {
            return false;
        }

        var sop = parts[2][..^Extension.Length];
        if (!DicomUid.IsValid(parts[0]) || !DicomUid.IsValid(parts[1]) || !DicomUid.IsValid(sop))
        {
            return false;
        }

        (studyInstanceUid, seriesInstanceUid, sopInstanceUid) = (parts[0], parts[1], sop);
        return true;
    }
}
