using Microsoft.Win32.SafeHandles;
using Mth.Dicom.Network.Server;

namespace Mth.Dicom.Network.Storage.Journal;

/// <summary>
/// A pool of spool slots for instances too big for the journal: files of a fixed size in
/// <c>ROOT/.spool</c>, written with zeros, fsynced and their folder fsynced before they are handed
/// out. An instance written over a slot's first bytes changes no file-system metadata, so one
/// fdatasync makes it durable without an ext4 journal commit; a small journal record then names
/// it. A slot handed out is never handed out again (its file becomes the instance's file, or is
/// deleted); a background task creates new slots as slots are taken.
/// </summary>
internal sealed class InstanceSpool : IAsyncDisposable
{
    public const string FolderName = ".spool";
    private const string SlotSuffix = ".slot";
    private const int RefillBatch = 8;

    private readonly IDicomNetworkLog _log;
    private readonly ReadyFilePool _pool;

    /// <summary>Takes the slots left in <paramref name="directory"/>, creates the missing ones, then starts refilling in the background.</summary>
    private InstanceSpool(string directory, long slotSize, int slotCount, IDicomNetworkLog log)
    {
        Directory = directory;
        SlotSize = slotSize;
        _log = log;
        SharesRecordFlush = Environment.Is64BitProcess && FileSystemSync.OverwritesNeedNoMetadata(directory);
        var free = new List<string>(slotCount);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory))
        {
            if (file.EndsWith(SlotSuffix, StringComparison.Ordinal) && new FileInfo(file).Length == slotSize && free.Count < slotCount)
            {
                free.Add(file);
            }
            else
            {
                PartialInstanceFile.TryDelete(file, log);
            }
        }

        free.AddRange(CreateSlots(slotCount - free.Count));
        _pool = new ReadyFilePool(slotCount, free, RefillBatch, CreateSlots, "Spool slots", log);
    }

    /// <summary>
    /// True where a slot written over needs no metadata (ext4, XFS): its bytes are written out
    /// without a flush and the journal record's fdatasync, issued after, flushes both with one
    /// device flush. Otherwise the slot gets its own fdatasync.
    /// </summary>
    public bool SharesRecordFlush { get; }

    public string Directory { get; }

    /// <summary>Bytes of a slot: the largest Part 10 file it takes (a bigger one overflows it and is fsynced as a plain file).</summary>
    public long SlotSize { get; }

    /// <summary>Slots free now.</summary>
    public int FreeSlots => _pool.Count;

    /// <summary>
    /// Opens the spool in <paramref name="directory"/> after the journal's recovery has taken what it
    /// needed from it: slot files of the right size are free again (their content is never read
    /// without a journal record whose CRC matches it), anything else is removed; then the pool is
    /// filled to <paramref name="slotCount"/> before anything is received.
    /// </summary>
    public static InstanceSpool Open(string directory, long slotSize, int slotCount, IDicomNetworkLog log)
    {
        System.IO.Directory.CreateDirectory(directory);
        return new InstanceSpool(directory, slotSize, slotCount, log);
    }

    /// <summary>True for a name this spool could have given a slot (a name read from disk is checked before it becomes a path).</summary>
    public static bool IsSlotName(string name) =>
        name.Length == 32 + SlotSuffix.Length && name.EndsWith(SlotSuffix, StringComparison.Ordinal) && name[..32].All(char.IsAsciiHexDigitLower);

    /// <summary>A free slot's path, or null when none is free (the instance then takes the fsync path).</summary>
    public string? TryTake() => _pool.TryTake();

    /// <summary>Gives back a slot that no journal record names (its blocks are still written; its old bytes are never read).</summary>
    public void Return(string slot)
    {
        if (!_pool.TryReturn(slot))
        {
            // Replaced meanwhile (the pool saw it taken): the pool stays at its size.
            PartialInstanceFile.TryDelete(slot, _log);
        }
    }

    /// <summary>Removes a slot that may be named by a record, or whose size changed; a new one replaces it.</summary>
    public void Discard(string slot)
    {
        PartialInstanceFile.TryDelete(slot, _log);
        _pool.Wake();
    }

    /// <summary>Stops making slots; the free ones stay for the next start.</summary>
    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    /// <summary>Creates slots: all written, their write-back started together, each fsynced (one shared ext4 commit), then the folder once.</summary>
    private List<string> CreateSlots(int count)
    {
        if (count <= 0)
        {
            return [];
        }

        var zeros = new byte[(int)Math.Min(SlotSize, 1024 * 1024)];
        var created = new List<(string Path, SafeFileHandle Handle)>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var path = Path.Combine(Directory, Guid.NewGuid().ToString("N") + SlotSuffix);
                created.Add((path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None)));
                for (long offset = 0; offset < SlotSize; offset += zeros.Length)
                {
                    RandomAccess.Write(created[^1].Handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, SlotSize - offset)), offset);
                }

                FileSystemSync.StartWriteBack(created[^1].Handle);
            }

            foreach (var (_, handle) in created)
            {
                FileSystemSync.Flush(handle, "a spool slot");
                // Written over whole pages only (FileSystemInstanceStore), a slot needs none of its zeros in memory;
                // 256 slots would otherwise keep 256 MiB cached, and the cut after an instance would free them.
                FileSystemSync.DropCachedPages(handle);
            }

            FileSystemSync.FlushDirectory(Directory);
        }
        catch
        {
            foreach (var (path, handle) in created)
            {
                handle.Dispose();
                PartialInstanceFile.TryDelete(path, _log);
            }

            throw;
        }

        foreach (var (_, handle) in created)
        {
            handle.Dispose();
        }

        return created.ConvertAll(c => c.Path);
    }
}
