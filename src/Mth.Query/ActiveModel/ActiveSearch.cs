namespace Mth.Query.ActiveModel;

/// <summary>
/// The generation queries use now. <see cref="Acquire"/> hands out a lease on the current generation;
/// <see cref="Publish"/> swaps in a loaded one atomically and retires the old one, whose resources go when
/// its last lease does. A query therefore runs start to end on one version and one model.
/// </summary>
internal sealed class ActiveSearch : IDisposable
{
    private SearchGeneration? _current;

    /// <summary>The active version the service has loaded, or null.</summary>
    public string? Version => Volatile.Read(ref _current)?.Version;

    public SearchGeneration? Current => Volatile.Read(ref _current);

    /// <summary>A lease on the current generation, or null when none is loaded.</summary>
    public Lease? Acquire()
    {
        while (true)
        {
            var generation = Volatile.Read(ref _current);
            if (generation is null)
            {
                return null;
            }

            if (generation.TryAddReference())
            {
                return new Lease(generation);
            }

            // Retired and released between the read and the reference: the next read sees its successor.
        }
    }

    /// <summary>Makes <paramref name="next"/> current (null: none) and retires the previous generation.</summary>
    public void Publish(SearchGeneration? next)
    {
        var previous = Interlocked.Exchange(ref _current, next);
        if (previous is not null && !ReferenceEquals(previous, next))
        {
            previous.Release();
        }
    }

    public void Dispose() => Publish(null);

    /// <summary>One query's hold on a generation.</summary>
    public sealed class Lease(SearchGeneration generation) : IDisposable
    {
        private int _disposed;

        public SearchGeneration Generation { get; } = generation;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Generation.Release();
            }
        }
    }
}
