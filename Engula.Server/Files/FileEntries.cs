using System.Diagnostics.CodeAnalysis;

namespace Engula.Server.Files;

/// <summary>Removing what a store no longer needs: leftovers of an interrupted upload or roll, a deleted stream.</summary>
internal static class FileEntries
{
    /// <summary>
    /// Deletes the file or directory tree at <paramref name="path"/>. A failure is returned rather than thrown: the
    /// caller has already done what was asked (the entry is no longer used), and the next start removes what is left.
    /// </summary>
    public static bool TryDelete(string path, [NotNullWhen(false)] out Exception? failure)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }

            failure = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = e;
            return false;
        }
    }
}
