using System.Text;
using Grpc.Core;

namespace Engula.Server.Journal;

/// <summary>
/// Stream names are opaque to the protocol, but the file journal uses them as directory names, so every mode rejects
/// the names that would escape or alias a directory (the original joined them onto paths unchecked).
/// Both modes apply the same rule so a client sees the same answer from <c>--mem</c> and <c>--file</c>.
/// </summary>
internal static class JournalNames
{
    /// <summary>The longest name in UTF-8 bytes: one path component on common Linux file systems.</summary>
    public const int MaxNameBytes = 255;

    public static string Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new JournalException(StatusCode.InvalidArgument, "stream name must not be empty");
        }

        if (name is "." or "..")
        {
            throw new JournalException(StatusCode.InvalidArgument, $"stream name '{name}' is not allowed");
        }

        if (name.AsSpan().IndexOfAny('/', '\\', '\0') >= 0)
        {
            throw new JournalException(StatusCode.InvalidArgument, $"stream name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' must not contain '/', '\\' or NUL");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new JournalException(StatusCode.InvalidArgument, $"stream name is longer than {MaxNameBytes} UTF-8 bytes");
        }

        return name;
    }
}
