namespace Mth.Core.Indexing.MultiIndexHashing;

/// <summary>
/// The masks of exactly r set bits among the low <c>length</c> bits (the XOR offsets that reach every
/// bucket at Hamming distance r from a substring value), in increasing order by Gosper's hack.
/// </summary>
public static class HammingBall
{
    /// <summary>Number of masks of weight <paramref name="radius"/> over <paramref name="length"/> bits: C(length, radius), saturating at long.MaxValue.</summary>
    public static long SphereSize(int length, int radius)
    {
        if (radius < 0 || radius > length)
        {
            return 0;
        }

        long result = 1;
        radius = Math.Min(radius, length - radius);
        for (var i = 1; i <= radius; i++)
        {
            // result * (length - radius + i) / i stays exact: the partial products are binomials.
            var next = (Int128)result * (length - radius + i) / i;
            if (next > long.MaxValue)
            {
                return long.MaxValue;
            }

            result = (long)next;
        }

        return result;
    }

    /// <summary>Calls <paramref name="visit"/> for every mask of weight <paramref name="radius"/> over <paramref name="length"/> bits.</summary>
    public static void ForEachMask<TVisitor>(int length, int radius, ref TVisitor visit)
        where TVisitor : struct, IMaskVisitor
    {
        if (radius < 0 || radius > length)
        {
            return;
        }

        if (radius == 0)
        {
            visit.Visit(0);
            return;
        }

        var limit = 1UL << length;
        var mask = (1UL << radius) - 1;
        while (mask < limit)
        {
            visit.Visit((uint)mask);
            // Gosper's hack: the next larger integer with the same number of set bits.
            var lowest = mask & (~mask + 1);
            var ripple = mask + lowest;
            mask = ripple | (((mask ^ ripple) >> 2) / lowest);
        }
    }

    /// <summary>The masks as a list (for callers that batch probes, such as the Redis index).</summary>
    public static List<uint> Masks(int length, int radius)
    {
        var collector = new ListVisitor(new List<uint>((int)Math.Min(SphereSize(length, radius), 1 << 20)));
        ForEachMask(length, radius, ref collector);
        return collector.Masks;
    }

    private struct ListVisitor(List<uint> masks) : IMaskVisitor
    {
        public readonly List<uint> Masks => masks;

        public readonly void Visit(uint mask) => masks.Add(mask);
    }
}

/// <summary>Receives masks from <see cref="HammingBall.ForEachMask{TVisitor}"/>.</summary>
public interface IMaskVisitor
{
    void Visit(uint mask);
}
