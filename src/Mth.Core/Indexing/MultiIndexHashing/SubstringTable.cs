namespace Mth.Core.Indexing.MultiIndexHashing;

/// <summary>
/// One MIH hash table: for each value of one substring, the bucket of items whose code has that value
/// there. A bucket stores each item's full code inline with its slot (<c>wordsPerCode + 1</c> words per
/// entry), so a probe reads one contiguous array and computes distances without touching the item store.
/// Substrings of up to <see cref="MaxDirectBits"/> bits index buckets directly by value; longer ones go
/// through a dictionary. Not thread-safe: the owning index locks.
/// </summary>
internal sealed class SubstringTable
{
    /// <summary>Direct addressing up to 2^22 buckets (32 MiB of references), about the table size MIH picks for 4M items.</summary>
    public const int MaxDirectBits = 22;

    private readonly int _wordsPerCode;
    private readonly Dictionary<uint, int>? _bucketOfValue;
    private ulong[]?[] _entries;
    private int[] _counts;
    private int _bucketCount;

    public SubstringTable(int substringBits, int wordsPerCode)
    {
        _wordsPerCode = wordsPerCode;
        Stride = wordsPerCode + 1;
        if (substringBits <= MaxDirectBits)
        {
            _entries = new ulong[]?[1 << substringBits];
            _counts = new int[1 << substringBits];
            _bucketCount = _entries.Length;
        }
        else
        {
            _bucketOfValue = new Dictionary<uint, int>();
            _entries = new ulong[]?[1024];
            _counts = new int[1024];
        }
    }

    /// <summary>Words per entry: the code, then the slot.</summary>
    public int Stride { get; }

    /// <summary>The bucket holding <paramref name="value"/>, or -1 when there is none.</summary>
    public int Find(uint value)
    {
        if (_bucketOfValue is null)
        {
            return _counts[value] == 0 ? -1 : (int)value;
        }

        return _bucketOfValue.TryGetValue(value, out var bucket) && _counts[bucket] > 0 ? bucket : -1;
    }

    /// <summary>The bucket array and entry count for <paramref name="value"/>; false when the bucket is empty.</summary>
    public bool TryGetBucket(uint value, out ulong[] entries, out int count)
    {
        var bucket = _bucketOfValue is null ? (int)value : Find(value);
        var found = bucket >= 0 ? _entries[bucket] : null;
        if (found is null)
        {
            entries = [];
            count = 0;
            return false;
        }

        entries = found;
        count = _counts[bucket];
        return true;
    }

    /// <summary>The entries of a bucket found by <see cref="Find"/>.</summary>
    public ReadOnlySpan<ulong> Entries(int bucket) => _entries[bucket].AsSpan(0, _counts[bucket] * Stride);

    public void Add(uint value, ReadOnlySpan<ulong> code, int slot)
    {
        var bucket = BucketForInsert(value);
        var entries = _entries[bucket];
        var count = _counts[bucket];
        if (entries is null || (count + 1) * Stride > entries.Length)
        {
            // Doubling keeps appends amortised O(1); first bucket holds 2 entries.
            Array.Resize(ref entries, Math.Max(2, count * 2) * Stride);
            _entries[bucket] = entries;
        }

        var at = count * Stride;
        code.CopyTo(entries.AsSpan(at, _wordsPerCode));
        entries[at + _wordsPerCode] = (ulong)slot;
        _counts[bucket] = count + 1;
    }

    /// <summary>Removes the entry of <paramref name="slot"/> from the bucket of <paramref name="value"/> (the bucket's last entry takes its place).</summary>
    public void Remove(uint value, int slot)
    {
        var bucket = Find(value);
        var at = bucket < 0 ? -1 : IndexOf(bucket, slot);
        if (at < 0)
        {
            throw new InvalidOperationException("MIH table out of step with the item store.");
        }

        var entries = _entries[bucket]!;
        var last = (_counts[bucket] - 1) * Stride;
        if (at != last)
        {
            entries.AsSpan(last, Stride).CopyTo(entries.AsSpan(at, Stride));
        }

        entries.AsSpan(last, Stride).Clear();
        _counts[bucket]--;
        if (_counts[bucket] == 0)
        {
            _entries[bucket] = null; // give the memory back; an empty bucket is never probed
        }
    }

    /// <summary>Records that the item of <paramref name="oldSlot"/> now lives in <paramref name="newSlot"/>.</summary>
    public void Relocate(uint value, int oldSlot, int newSlot)
    {
        var bucket = Find(value);
        var at = bucket < 0 ? -1 : IndexOf(bucket, oldSlot);
        if (at < 0)
        {
            throw new InvalidOperationException("MIH table out of step with the item store.");
        }

        _entries[bucket]![at + _wordsPerCode] = (ulong)newSlot;
    }

    /// <summary>Approximate bytes held: directory arrays, bucket arrays with their headers.</summary>
    public long EstimateBytes()
    {
        long bytes = (long)_entries.Length * (IntPtr.Size + sizeof(int));
        if (_bucketOfValue is not null)
        {
            bytes += (long)_bucketOfValue.Count * (sizeof(int) + 16);
        }

        foreach (var entries in _entries)
        {
            if (entries is not null)
            {
                bytes += 24 + (long)entries.Length * sizeof(ulong);
            }
        }

        return bytes;
    }

    private int IndexOf(int bucket, int slot)
    {
        var entries = Entries(bucket);
        for (var at = _wordsPerCode; at < entries.Length; at += Stride)
        {
            if (entries[at] == (ulong)slot)
            {
                return at - _wordsPerCode;
            }
        }

        return -1;
    }

    private int BucketForInsert(uint value)
    {
        if (_bucketOfValue is null)
        {
            return (int)value;
        }

        if (_bucketOfValue.TryGetValue(value, out var bucket))
        {
            return bucket;
        }

        if (_bucketCount == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Array.Resize(ref _counts, _counts.Length * 2);
        }

        bucket = _bucketCount++;
        _bucketOfValue.Add(value, bucket);
        return bucket;
    }
}
