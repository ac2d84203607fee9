using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Mth.Dicom.Network.Storage;

/// <summary>The durability primitive .NET lacks: flushing a directory's entries, so that a rename survives a crash.</summary>
public static class FileSystemSync
{
    private const int ReadOnly = 0;
    private const uint SyncFileRangeWaitBefore = 1;
    private const uint SyncFileRangeWrite = 2;
    private const uint SyncFileRangeWaitAfter = 4;
    private const int FadviseDontNeed = 4;
    private const long Ext4Magic = 0xEF53;
    private const long XfsMagic = 0x58465342;

    /// <summary>fsync of a directory: makes the names created, renamed or removed in it durable. No-op on Windows, where NTFS journals them.</summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        WithDescriptor(directory, static fd => fsync(fd), "fsync");
    }

    /// <summary>
    /// fdatasync: the file's data, and the metadata needed to read it back, are durable. Where the
    /// file's blocks are already allocated and written (a pre-written journal segment), this is one
    /// device flush with no file-system journal commit.
    /// </summary>
    public static void FlushData(SafeFileHandle file, string what)
    {
        ArgumentNullException.ThrowIfNull(file);
        ThrowIfUnsupported();
        if (fdatasync((int)file.DangerousGetHandle()) != 0)
        {
            throw new IOException($"fdatasync of {what} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }
    }

    /// <summary>fsync of an open file: data and metadata durable (its name is not: flush the folder for that).</summary>
    public static void Flush(SafeFileHandle file, string what)
    {
        ArgumentNullException.ThrowIfNull(file);
        ThrowIfUnsupported();
        if (fsync((int)file.DangerousGetHandle()) != 0)
        {
            throw new IOException($"fsync of {what} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }
    }

    /// <summary>
    /// Starts writing back a file's dirty pages without waiting (Linux sync_file_range; elsewhere
    /// nothing). Started for many files before they are fsynced, their block allocations land in
    /// one file-system transaction, so the fsyncs share one journal commit instead of one each.
    /// </summary>
    public static void StartWriteBack(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (OperatingSystem.IsLinux())
        {
            // A hint only: if it fails, the fsync that follows still writes everything.
            _ = sync_file_range((int)file.DangerousGetHandle(), 0, 0, SyncFileRangeWrite);
        }
    }

    /// <summary>
    /// Starts writing back <paramref name="count"/> bytes from <paramref name="offset"/> without
    /// waiting (Linux sync_file_range; elsewhere nothing): bytes written while the rest of an
    /// instance is still arriving are on their way to the device before its flush is asked for.
    /// </summary>
    public static void StartWriteBack(SafeFileHandle file, long offset, long count)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (OperatingSystem.IsLinux())
        {
            // A hint only, as above.
            _ = sync_file_range((int)file.DangerousGetHandle(), offset, count, SyncFileRangeWrite);
        }
    }

    /// <summary>
    /// Drops a file's clean pages from the page cache (Linux posix_fadvise DONTNEED; elsewhere
    /// nothing): for files written now and overwritten much later, whose pages would only take memory
    /// and, when the file is cut, time to free. A hint only.
    /// </summary>
    public static void DropCachedPages(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (OperatingSystem.IsLinux())
        {
            _ = posix_fadvise((int)file.DangerousGetHandle(), 0, 0, FadviseDontNeed);
        }
    }

    /// <summary>
    /// Writes a file's dirty pages to the device and waits until the device has taken them, without
    /// flushing its write cache and without any metadata (Linux sync_file_range). Only for overwrites
    /// of blocks already allocated and written (see <see cref="OverwritesNeedNoMetadata"/>): the next
    /// device flush, by any fdatasync on the same file system, then makes them durable.
    /// </summary>
    public static void WriteOut(SafeFileHandle file, string what)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Writing out a file without a flush is implemented for Linux only.");
        }

        if (sync_file_range((int)file.DangerousGetHandle(), 0, 0, SyncFileRangeWaitBefore | SyncFileRangeWrite | SyncFileRangeWaitAfter) != 0)
        {
            throw new IOException($"Writing out {what} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }
    }

    /// <summary>
    /// True where writing over a file's allocated, written blocks changes no file-system metadata,
    /// so that <see cref="WriteOut"/> plus a later device flush make such writes durable: Linux ext4
    /// and XFS (in place). False elsewhere (copy-on-write file systems such as btrfs allocate anew).
    /// </summary>
    public static bool OverwritesNeedNoMetadata(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        // struct statfs begins with f_type (a long on 64-bit Linux); the rest is not read.
        var buffer = new byte[256];
        return statfs(directory, buffer) == 0 && BitConverter.ToInt64(buffer, 0) is Ext4Magic or XfsMagic;
    }

    private static void ThrowIfUnsupported()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Flushing a file handle is implemented for POSIX systems only.");
        }
    }

    private static void WithDescriptor(string path, Func<int, int> operation, string what)
    {
        var fd = open(path, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open '{path}' to {what} it: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }

        try
        {
            if (operation(fd) != 0)
            {
                throw new IOException($"{what} of '{path}' failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int fdatasync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int sync_file_range(int fd, long offset, long nbytes, uint flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int posix_fadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", SetLastError = true)]
    private static extern int statfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
}
