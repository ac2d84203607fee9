using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Mth.Dicom.Network.Storage;

/// <summary>
/// The durability primitives .NET lacks: flushing a directory's entries (so a rename survives a
/// crash) and, on Linux, flushing a whole file system with one call (syncfs), which lets a group
/// of instances be made durable together.
/// </summary>
internal static class FileSystemSync
{
    private const int ReadOnly = 0;

    /// <summary>True where <see cref="SyncFileSystem"/> is one system call (Linux).</summary>
    public static bool CanSyncFileSystem => OperatingSystem.IsLinux();

    /// <summary>fsync of a directory: makes the names created, renamed or removed in it durable. No-op on Windows, where NTFS journals them.</summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        WithDescriptor(directory, static fd => fsync(fd), "fsync");
    }

    /// <summary>syncfs: writes every dirty page and entry of the file system holding <paramref name="path"/>.</summary>
    public static void SyncFileSystem(string path)
    {
        if (!CanSyncFileSystem)
        {
            throw new PlatformNotSupportedException("syncfs exists on Linux only.");
        }

        WithDescriptor(path, static fd => syncfs(fd), "syncfs");
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
    private static extern int syncfs(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
