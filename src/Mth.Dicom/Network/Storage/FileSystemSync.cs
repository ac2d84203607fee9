using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Mth.Dicom.Network.Storage;

/// <summary>The durability primitive .NET lacks: flushing a directory's entries, so that a rename survives a crash.</summary>
public static class FileSystemSync
{
    private const int ReadOnly = 0;

    /// <summary>fsync of a directory: makes the names created, renamed or removed in it durable. No-op on Windows, where NTFS journals them.</summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        WithDescriptor(directory, static fd => fsync(fd), "fsync");
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
    private static extern int close(int fd);
}
