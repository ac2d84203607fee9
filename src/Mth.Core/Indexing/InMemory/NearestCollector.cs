using Mth.Core.Hamming;

namespace Mth.Core.Indexing.InMemory;

/// <summary>
/// Keeps the k best (distance, id) pairs seen so far in a max-heap whose root is the worst kept item,
/// in <see cref="NeighborOrder"/>. A slot offered twice (MIH finds an item in several tables) is kept once.
/// </summary>
internal sealed class NearestCollector
{
    private readonly int _k;
    private readonly string[] _ids;
    private readonly int[] _distances;
    private readonly int[] _slots;
    private readonly HashSet<int>? _kept;
    private readonly int _maxDistance;

    public NearestCollector(int k, string[] ids, int maxDistance, bool offersRepeat)
    {
        _k = k;
        _ids = ids;
        _maxDistance = maxDistance;
        _distances = new int[k];
        _slots = new int[k];
        _kept = offersRepeat && k > 32 ? new HashSet<int>(k) : null;
        OffersRepeat = offersRepeat;
        Threshold = k == 0 ? -1 : maxDistance;
    }

    private bool OffersRepeat { get; }

    public int Count { get; private set; }

    public bool IsFull => Count == _k;

    /// <summary>The largest distance that can still enter: the worst kept distance once full.</summary>
    public int Threshold { get; private set; }

    public void Offer(int distance, int slot)
    {
        if (distance > Threshold)
        {
            return;
        }

        if (Count < _k)
        {
            if (OffersRepeat && Contains(slot))
            {
                return;
            }

            var i = Count++;
            _distances[i] = distance;
            _slots[i] = slot;
            _kept?.Add(slot);
            SiftUp(i);
            if (Count == _k)
            {
                Threshold = _distances[0];
            }

            return;
        }

        if (!NeighborOrder.Precedes(distance, _ids[slot], _distances[0], _ids[_slots[0]]) || (OffersRepeat && Contains(slot)))
        {
            return;
        }

        _kept?.Remove(_slots[0]);
        _kept?.Add(slot);
        _distances[0] = distance;
        _slots[0] = slot;
        SiftDown(0);
        Threshold = _distances[0];
    }

    /// <summary>Forgets everything (a search that falls back to a linear scan starts over).</summary>
    public void Clear()
    {
        Count = 0;
        _kept?.Clear();
        Threshold = _k == 0 ? -1 : _maxDistance;
    }

    public Neighbor[] ToSortedArray()
    {
        var result = new Neighbor[Count];
        for (var i = 0; i < Count; i++)
        {
            result[i] = new Neighbor(_ids[_slots[i]], _distances[i]);
        }

        Array.Sort(result, NeighborOrder.Instance);
        return result;
    }

    private bool Contains(int slot)
    {
        if (_kept is not null)
        {
            return _kept.Contains(slot);
        }

        return _slots.AsSpan(0, Count).Contains(slot);
    }

    // Heap order: parent is worse than (or equal to) its children.
    private bool Worse(int a, int b) =>
        NeighborOrder.Precedes(_distances[b], _ids[_slots[b]], _distances[a], _ids[_slots[a]]);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Worse(i, parent))
            {
                return;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = 2 * i + 1;
            if (left >= Count)
            {
                return;
            }

            var worst = left + 1 < Count && Worse(left + 1, left) ? left + 1 : left;
            if (!Worse(worst, i))
            {
                return;
            }

            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_distances[a], _distances[b]) = (_distances[b], _distances[a]);
        (_slots[a], _slots[b]) = (_slots[b], _slots[a]);
    }

    /// <summary>The scan sink that feeds this collector.</summary>
    public readonly struct Sink(NearestCollector collector) : IScanSink
    {
        public int Threshold => collector.Threshold;

        public void Hit(int distance, int slot) => collector.Offer(distance, slot);
    }
}
