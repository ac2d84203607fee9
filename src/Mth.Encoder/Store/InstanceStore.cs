using Mth.Core.Instances;
using Mth.Dicom.Network.Storage;

namespace Mth.Encoder.Store;

/// <summary>
/// The encoder's read-only view of the instance store that Ingest writes: <c>root/Study/Series/Sop.dcm</c>.
/// Storage keys (from messages, from the catalog) are resolved with <see cref="InstanceStorageKey"/>, which
/// accepts exactly that shape of validated UIDs, so no key names anything outside the root; the store is listed in <see cref="StorageKeyOrder"/> from any key on, so that a re-encoding can
/// be planned piece by piece and resumed. The files are the source of truth: a re-encoding lists them, not the catalog.
/// </summary>
public sealed class InstanceStore
{
    public InstanceStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The file of a storage key. Throws <see cref="InstanceKeyException"/> for a key that is not Study/Series/Sop.dcm of valid UIDs.</summary>
    public string Resolve(string? storageKey) =>
        InstanceStorageKey.TryResolve(Root, storageKey, out var path)
            ? path
            : throw new InstanceKeyException($"Storage key of {storageKey?.Length ?? 0} characters is not Study/Series/Sop.dcm of valid UIDs.");

    /// <summary>Whether a key names an instance in the store's layout, and which SOP Instance UID it announces.</summary>
    public static bool IsInstanceKey(string key, out string? sopInstanceUid)
    {
        var valid = InstanceStorageKey.TryParse(key, out _, out _, out var sop);
        sopInstanceUid = sop;
        return valid;
    }

    /// <summary>
    /// The storage keys of every instance file after <paramref name="after"/> (exclusive; null: from the start), in
    /// <see cref="StorageKeyOrder"/>. Anything else in the store (temporary files, other layouts) is passed over.
    /// Files added or removed during the listing may or may not appear.
    /// </summary>
    public IEnumerable<string> EnumerateKeys(string? after = null)
    {
        var cursor = after?.Split('/');
        if (cursor is not null && cursor.Length != 3)
        {
            throw new ArgumentException("A listing cursor is a storage key (Study/Series/Sop.dcm).", nameof(after));
        }

        foreach (var study in SortedNames(Root, directories: true))
        {
            var studyOrder = cursor is null ? 1 : string.CompareOrdinal(study, cursor[0]);
            if (studyOrder < 0 || !InstanceRecords.IsValidUid(study))
            {
                continue;
            }

            foreach (var series in SortedNames(Path.Combine(Root, study), directories: true))
            {
                var seriesOrder = studyOrder > 0 ? 1 : string.CompareOrdinal(series, cursor![1]);
                if (seriesOrder < 0 || !InstanceRecords.IsValidUid(series))
                {
                    continue;
                }

                foreach (var file in SortedNames(Path.Combine(Root, study, series), directories: false))
                {
                    if (seriesOrder == 0 && string.CompareOrdinal(file, cursor![2]) <= 0)
                    {
                        continue;
                    }

                    var key = $"{study}/{series}/{file}";
                    if (IsInstanceKey(key, out _))
                    {
                        yield return key;
                    }
                }
            }
        }
    }

    /// <summary>The instance keys from <paramref name="first"/> to <paramref name="last"/>, both included.</summary>
    public IEnumerable<string> EnumerateRange(string first, string last)
    {
        if (IsInstanceKey(first, out _) && File.Exists(Path.Combine(Root, first)))
        {
            yield return first;
        }

        foreach (var key in EnumerateKeys(first))
        {
            if (StorageKeyOrder.Instance.Compare(key, last) > 0)
            {
                yield break;
            }

            yield return key;
        }
    }

    private static string[] SortedNames(string folder, bool directories)
    {
        string[] paths;
        try
        {
            paths = directories ? Directory.GetDirectories(folder) : Directory.GetFiles(folder);
        }
        catch (DirectoryNotFoundException)
        {
            return []; // removed while listing
        }

        var names = new string[paths.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            names[i] = Path.GetFileName(paths[i]);
        }

        Array.Sort(names, StringComparer.Ordinal);
        return names;
    }
}

/// <summary>The order of storage keys: segment by segment, each by ordinal comparison (so Study, then Series, then file).</summary>
public sealed class StorageKeyOrder : IComparer<string>
{
    public static StorageKeyOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var a = x.AsSpan();
        var b = y.AsSpan();
        while (true)
        {
            var i = a.IndexOf('/');
            var j = b.IndexOf('/');
            var order = (i < 0 ? a : a[..i]).SequenceCompareTo(j < 0 ? b : b[..j]);
            if (order != 0)
            {
                return order;
            }

            if (i < 0 || j < 0)
            {
                return (i < 0 ? 0 : 1) - (j < 0 ? 0 : 1);
            }

            a = a[(i + 1)..];
            b = b[(j + 1)..];
        }
    }
}

/// <summary>A storage key that must not be resolved (it could leave the instance store).</summary>
public sealed class InstanceKeyException(string message) : Exception(message);
