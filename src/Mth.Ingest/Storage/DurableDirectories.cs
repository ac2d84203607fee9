using System.Collections.Concurrent;
using Mth.Dicom.Network.Storage;

namespace Mth.Ingest.Storage;

/// <summary>
/// Makes folders' own names durable (an fsync of each parent) before anything inside them is
/// acknowledged. A folder is flushed the first time this process uses it, even when it already
/// existed: a folder created by a run that crashed may still be only in the page cache.
/// Concurrent first uses of one folder share one flush.
/// </summary>
public sealed class DurableDirectories
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _durable = new(StringComparer.Ordinal);
    private readonly FlushThreads _flushes;

    public DurableDirectories(FlushThreads flushes)
    {
        _flushes = flushes;
    }

    /// <summary>Creates <paramref name="directory"/> (and missing parents up to <paramref name="root"/>) and returns once every one of their names is durable.</summary>
    public Task EnsureAsync(string root, string directory)
    {
        if (string.Equals(directory, root, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        var lazy = _durable.GetOrAdd(directory, d => new Lazy<Task>(() => CreateAsync(root, d)));
        return lazy.Value.IsCompletedSuccessfully ? Task.CompletedTask : AwaitAsync(directory, lazy);
    }

    private async Task AwaitAsync(string directory, Lazy<Task> lazy)
    {
        try
        {
            await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            // A failed flush is retried by the next instance rather than remembered.
            _durable.TryRemove(new KeyValuePair<string, Lazy<Task>>(directory, lazy));
            throw;
        }
    }

    /// <summary>Creates a folder and its missing parents, flushing each parent, synchronously (for start-up).</summary>
    public static void CreateDurably(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (Directory.Exists(full))
        {
            return;
        }

        if (Path.GetDirectoryName(full) is { } parent)
        {
            CreateDurably(parent);
            Directory.CreateDirectory(full);
            FileSystemSync.FlushDirectory(parent);
        }
    }

    private async Task CreateAsync(string root, string directory)
    {
        var parent = Path.GetDirectoryName(directory) ?? throw new ArgumentException("A folder under the root was expected.", nameof(directory));
        await EnsureAsync(root, parent).ConfigureAwait(false);
        Directory.CreateDirectory(directory);
        await _flushes.RunAsync(() => FileSystemSync.FlushDirectory(parent)).ConfigureAwait(false);
    }
}
