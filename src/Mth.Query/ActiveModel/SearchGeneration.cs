using Mth.Encoding.Inference;
using Mth.Query.Search;

namespace Mth.Query.ActiveModel;

/// <summary>
/// Everything a query needs from one active version, loaded together and switched together: the index
/// version's search and the model that encodes uploads for it. Reference-counted: the holder owns one
/// reference, every running query one more, and the model session and replica are released when the last
/// query of a retired generation finishes (so a switch never pulls a model from under a running query).
/// </summary>
internal sealed class SearchGeneration
{
    private readonly Action<SearchGeneration, Exception?>? _released;
    private int _references = 1;

    public SearchGeneration(IVersionSearch search, HashEncoder encoder, Action<SearchGeneration, Exception?>? released = null)
    {
        if (!string.Equals(search.Version, encoder.Manifest.Version, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Index version '{search.Version}' and model '{encoder.Manifest.Version}' differ.", nameof(encoder));
        }

        Search = search;
        Encoder = encoder;
        _released = released;
        LoadedAt = DateTimeOffset.UtcNow;
    }

    public string Version => Search.Version;

    public IVersionSearch Search { get; }

    public HashEncoder Encoder { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>True once every reference is gone and the resources are being released.</summary>
    public bool IsReleased => Volatile.Read(ref _references) == 0;

    /// <summary>Adds a reference unless the generation is already released.</summary>
    public bool TryAddReference()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            // The last query of a retired generation may be a request thread: release in the background.
            _ = Task.Run(DisposeResourcesAsync);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A search generation was released more often than referenced.");
        }
    }

    private async Task DisposeResourcesAsync()
    {
        Exception? failure = null;
        try
        {
            Encoder.Dispose();
            await Search.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }

        _released?.Invoke(this, failure);
    }
}
