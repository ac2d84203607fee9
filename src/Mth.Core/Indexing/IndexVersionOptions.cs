using Mth.Core.Codes;
using Mth.Core.Indexing.MultiIndexHashing;

namespace Mth.Core.Indexing;

/// <summary>How a version is laid out. Fixed at creation: a version's MIH tables are built for them.</summary>
public sealed record IndexVersionOptions
{
    public IndexVersionOptions(int bits) => Bits = BinaryCode.ValidateLength(bits, nameof(bits));

    /// <summary>Code length in bits (a multiple of 8 from 16 to 256).</summary>
    public int Bits { get; }

    /// <summary>
    /// The number of items the version is expected to hold; it picks the number of MIH substrings
    /// (m ≈ bits / log2 n, Norouzi et al.). A new version filled from an old one passes the old count.
    /// </summary>
    public long ExpectedItems { get; init; } = 1_000_000;

    /// <summary>Overrides the substring count that <see cref="ExpectedItems"/> would give.</summary>
    public int? SubstringCount { get; init; }

    /// <summary>The substring layout these options give.</summary>
    public SubstringLayout Layout() =>
        SubstringCount is { } m ? SubstringLayout.Create(Bits, m) : SubstringLayout.ForDatabase(Bits, ExpectedItems);
}
