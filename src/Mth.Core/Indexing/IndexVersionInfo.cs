namespace Mth.Core.Indexing;

/// <summary>What the catalog knows about one version.</summary>
public sealed record IndexVersionInfo(string Version, int Bits, int SubstringCount, IndexVersionState State);

public enum IndexVersionState
{
    /// <summary>Readable and writable.</summary>
    Ready,

    /// <summary>Being removed; no longer opened.</summary>
    Dropping,
}
