namespace Engula.Server.Files;

/// <summary>Recognises "the disk is full" among I/O errors, which a component answers with RESOURCE_EXHAUSTED: the
/// caller then knows that nothing was stored and that trying again helps only once space is freed.</summary>
internal static class DiskSpace
{
    private const int Enospc = 28;            // Linux errno, which .NET keeps as the IOException's HResult
    private const int ErrorDiskFull = 112;    // Windows
    private const int ErrorHandleDiskFull = 39;

    public static bool IsFull(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is IOException io && ((io.HResult & 0xFFFF) is Enospc or ErrorDiskFull or ErrorHandleDiskFull
                || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
