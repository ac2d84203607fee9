using Xunit;

namespace Mth.Testing;

/// <summary>
/// Base of test classes whose tests make things that must be closed or removed when the test ends (open stores,
/// temporary folders, key prefixes on shared servers): each is handed to <see cref="Owned{T}"/> as it is made,
/// and disposed after the test, the last made first (a store before the folder it lives in).
/// </summary>
public abstract class OwningTests : IAsyncLifetime
{
    private readonly Stack<object> _owned = [];

    /// <summary>Takes <paramref name="resource"/> (an <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>) to dispose when the test ends; returns it.</summary>
    protected T Owned<T>(T resource)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource is not (IAsyncDisposable or IDisposable))
        {
            throw new ArgumentException($"{typeof(T).Name} is not disposable.", nameof(resource));
        }

        _owned.Push(resource);
        return resource;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        while (_owned.TryPop(out var resource))
        {
            if (resource is IAsyncDisposable asynchronous)
            {
                await asynchronous.DisposeAsync();
            }
            else
            {
                ((IDisposable)resource).Dispose();
            }
        }
    }
}
