using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// Empty files created ahead of need in <c>ROOT/.blanks</c>, for the files of journaled instances.
/// Creating a file (an inode and a directory entry) can cost more than writing a small instance and
/// flushing its journal record together: 0.26 ms of kernel time against 0.25 ms on the benchmark
/// VM's ext4 (docs/benchmarks.md, DICOM), and on one association the peer waits for it. A file taken
/// from the pool is only opened, written and renamed. Files taken are created again in the background
/// (<see cref="ReadyFilePool"/>); an empty pool only means the file is created inline, as without it.
/// The files are never data: those left by an earlier run are deleted at start, the rest at dispose.
/// </summary>
internal sealed class EmptyFilePool : IAsyncDisposable
{
    public const string FolderName = ".blanks";
    private const string Suffix = ".blank";
    private const int RefillBatch = 16;

    private readonly string _folder;
    private readonly IDicomNetworkLog _log;
    private readonly ReadyFilePool _pool;

    /// <summary>
    /// Starts filling the pool in the background: <paramref name="size"/> files in <paramref name="folder"/>
    /// (created if needed), which must be on the file system of the files' destination (they are renamed there).
    /// </summary>
    public EmptyFilePool(string folder, int size, IDicomNetworkLog log)
    {
        Directory.CreateDirectory(folder);
        foreach (var leftover in Directory.EnumerateFiles(folder, "*" + Suffix))
        {
            PartialInstanceFile.TryDelete(leftover, log);
        }

        _folder = folder;
        _log = log;
        _pool = new ReadyFilePool(size, [], RefillBatch, Create, "Empty files for incoming instances", log);
    }

    public int Count => _pool.Count;

    /// <summary>The path of an empty file that is the caller's from now on (to rename or delete), or null when none is ready.</summary>
    public string? TryTake() => _pool.TryTake();

    public async ValueTask DisposeAsync()
    {
        foreach (var path in await _pool.StopAsync().ConfigureAwait(false))
        {
            PartialInstanceFile.TryDelete(path, _log);
        }

        await _pool.DisposeAsync().ConfigureAwait(false);
    }

    private List<string> Create(int count)
    {
        var made = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + Suffix);
            File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None).Dispose();
            made.Add(path);
        }

        return made;
    }
}
