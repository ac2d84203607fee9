using Mth.Core.Codes;

namespace Mth.Core.Indexing;

/// <summary>Argument checks shared by every index implementation, so that each rejects bad input the same way.</summary>
public static class IndexArguments
{
    public static void CheckCode(BinaryCode code, int bits, string paramName)
    {
        ArgumentNullException.ThrowIfNull(code, paramName);
        if (code.Bits != bits)
        {
            throw new ArgumentException($"This index holds {bits}-bit codes; got a {code.Bits}-bit code.", paramName);
        }
    }

    public static void CheckK(int k)
    {
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        }
    }

    public static void CheckRadius(int radius, int bits)
    {
        if (radius < 0 || radius > bits)
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, $"The radius must be from 0 to {bits}.");
        }
    }

    public static void CheckEntries(IReadOnlyList<IndexEntry> entries, int bits)
    {
        ArgumentNullException.ThrowIfNull(entries);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i] ?? throw new ArgumentException($"Entry {i} is null.", nameof(entries));
            IndexNames.ValidateId(entry.Id);
            CheckCode(entry.Code, bits, nameof(entries));
        }
    }
}
