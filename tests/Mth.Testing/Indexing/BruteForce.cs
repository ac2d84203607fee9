using Mth.Core.Codes;
using Mth.Core.Indexing;

namespace Mth.Testing.Indexing;

/// <summary>
/// The specification every index is checked against: a dictionary of (id, code) and a full sort by
/// (distance, id). No index code is used here beyond <see cref="BinaryCode.DistanceTo"/> and <see cref="NeighborOrder"/>.
/// </summary>
public sealed class BruteForce
{
    private readonly Dictionary<string, BinaryCode> _items = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public IReadOnlyDictionary<string, BinaryCode> Items => _items;

    public void Upsert(string id, BinaryCode code) => _items[id] = code;

    public bool Delete(string id) => _items.Remove(id);

    public List<Neighbor> Nearest(BinaryCode query, int k) => All(query).Take(k).ToList();

    public List<Neighbor> Radius(BinaryCode query, int radius) => All(query).Where(n => n.Distance <= radius).ToList();

    private List<Neighbor> All(BinaryCode query)
    {
        var all = _items.Select(item => new Neighbor(item.Key, query.DistanceTo(item.Value))).ToList();
        all.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : string.CompareOrdinal(a.Id, b.Id));
        return all;
    }
}
