namespace Mth.Core.Indexing.InMemory;

/// <summary>
/// Items of an in-memory index in dense slots 0..Count-1: codes back to back (<see cref="WordsPerCode"/>
/// words each) so a linear scan streams them, ids beside them, and a map from id to slot. A removal
/// moves the last item into the freed slot, keeping the slots dense. Not thread-safe: the owning index locks.
/// </summary>
internal sealed class DenseCodeStore
{
    private ulong[] _codes;
    private string[] _ids;
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);

    public DenseCodeStore(int wordsPerCode, int initialCapacity = 1024)
    {
        WordsPerCode = wordsPerCode;
        var capacity = Math.Max(initialCapacity, 16);
        _codes = new ulong[capacity * wordsPerCode];
        _ids = new string[capacity];
    }

    public int WordsPerCode { get; }

    public int Count { get; private set; }

    /// <summary>Codes of slots 0..Count-1.</summary>
    public ReadOnlySpan<ulong> Codes => _codes.AsSpan(0, Count * WordsPerCode);

    /// <summary>Ids by slot (valid for 0..Count-1); stable while the owning index holds its read lock.</summary>
    public string[] Ids => _ids;

    public ReadOnlySpan<ulong> CodeAt(int slot) => _codes.AsSpan(slot * WordsPerCode, WordsPerCode);

    public string IdAt(int slot) => _ids[slot];

    public bool TryGetSlot(string id, out int slot) => _slots.TryGetValue(id, out slot);

    /// <summary>Approximate bytes held (arrays, id strings, map entries).</summary>
    public long EstimateBytes()
    {
        long bytes = (long)_codes.Length * sizeof(ulong) + (long)_ids.Length * IntPtr.Size;
        for (var i = 0; i < Count; i++)
        {
            bytes += 22 + 2L * _ids[i].Length; // string header + UTF-16 characters
        }

        // Dictionary<string, int>: a bucket int and a 24-byte entry per item (plus slack).
        bytes += (long)_slots.EnsureCapacity(0) * (sizeof(int) + 24);
        return bytes;
    }

    public int Add(string id, ReadOnlySpan<ulong> code)
    {
        if (Count == _ids.Length)
        {
            var capacity = _ids.Length * 2;
            Array.Resize(ref _codes, capacity * WordsPerCode);
            Array.Resize(ref _ids, capacity);
        }

        var slot = Count++;
        code.CopyTo(_codes.AsSpan(slot * WordsPerCode, WordsPerCode));
        _ids[slot] = id;
        _slots.Add(id, slot);
        return slot;
    }

    public void Overwrite(int slot, ReadOnlySpan<ulong> code) => code.CopyTo(_codes.AsSpan(slot * WordsPerCode, WordsPerCode));

    /// <summary>Removes the item in <paramref name="slot"/>. Returns the former slot of the item moved into it, or -1 when none moved.</summary>
    public int RemoveAt(int slot)
    {
        var last = Count - 1;
        _slots.Remove(_ids[slot]);
        var moved = -1;
        if (slot != last)
        {
            CodeAt(last).CopyTo(_codes.AsSpan(slot * WordsPerCode, WordsPerCode));
            _ids[slot] = _ids[last];
            _slots[_ids[slot]] = slot;
            moved = last;
        }

        _ids[last] = null!;
        _codes.AsSpan(last * WordsPerCode, WordsPerCode).Clear();
        Count = last;
        return moved;
    }

    /// <summary>A copy of every id (for enumeration outside the lock).</summary>
    public string[] SnapshotIds() => _ids.AsSpan(0, Count).ToArray();
}
