using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Engula.Server.Journal;

/// <summary>
/// Durable directory operations. A rename or a new file is only durable once its directory is fsynced; .NET has no
/// API for that (<see cref="File.OpenHandle"/> refuses directories), so this opens the directory with libc.
/// Used by the file journal and the file storage.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;

    /// <summary>fsync(2) on a directory, so renames, creations and deletions in it survive a power loss.</summary>
    public static void Fsync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            // NTFS journals metadata itself and cannot open directories for flushing; nothing to do.
            return;
        }

        var path = Encoding.UTF8.GetBytes(directory + "\0");
        var fd = open(path, ReadOnly | CloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{directory}' to fsync it: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }

        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    // A byte[] path (NUL-terminated UTF-8) is pinned and passed as char*: no string marshalling to get wrong.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open(byte[] path, int flags);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int close(int fd);
}
