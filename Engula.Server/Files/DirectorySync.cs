using System.Runtime.InteropServices;

namespace Engula.Server.Files;

/// <summary>
/// fsync of a directory, so that a rename or a new file in it survives a crash (POSIX needs this explicitly).
/// .NET cannot open a directory as a file handle, hence the direct libc calls.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnlyDirectoryFlags = 0x10000 | 0x80000; // O_RDONLY | O_DIRECTORY | O_CLOEXEC (Linux)

    public static void Fsync(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // Other platforms: best effort (Windows journals metadata; macOS is not a deployment target).
        }

        var fd = Open(directory, ReadOnlyDirectoryFlags);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{directory}' for fsync (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (FsyncNative(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
