namespace Mth.Core.Indexing;

/// <summary>
/// The order of every search result, in every implementation: ascending Hamming distance, and among
/// equally distant items ascending id by ordinal comparison (<see cref="string.CompareOrdinal(string, string)"/>;
/// ids are printable ASCII, so this is also their byte order). The rule depends on nothing but the
/// (id, code) pairs stored, so two indexes holding the same items answer identically whatever the
/// order or history of their writes.
/// </summary>
public sealed class NeighborOrder : IComparer<Neighbor>
{
    public static NeighborOrder Instance { get; } = new();

    private NeighborOrder()
    {
    }

    public int Compare(Neighbor x, Neighbor y)
    {
        var byDistance = x.Distance.CompareTo(y.Distance);
        return byDistance != 0 ? byDistance : string.CompareOrdinal(x.Id, y.Id);
    }

    /// <summary>True when (distance, id) comes before (otherDistance, otherId) in result order.</summary>
    public static bool Precedes(int distance, string id, int otherDistance, string otherId) =>
        distance < otherDistance || (distance == otherDistance && string.CompareOrdinal(id, otherId) < 0);
}
