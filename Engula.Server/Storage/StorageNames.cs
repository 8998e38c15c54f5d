using System.Text;
using Grpc.Core;

namespace Engula.Server.Storage;

/// <summary>
/// Bucket and object names become directory and file names in file mode, so both modes reject names that would
/// escape or alias a path (the original joined names onto paths unchecked): empty, <c>.</c>, <c>..</c>, or containing <c>/</c>, <c>\</c> or NUL, and
/// names longer than one path component (255 UTF-8 bytes).
/// </summary>
internal static class StorageNames
{
    public const int MaxNameBytes = 255;

    public static string Validate(string kind, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new StorageException(StatusCode.InvalidArgument, $"{kind} name must not be empty");
        }

        if (name is "." or "..")
        {
            throw new StorageException(StatusCode.InvalidArgument, $"{kind} name '{name}' is not allowed");
        }

        if (name.AsSpan().IndexOfAny('/', '\\', '\0') >= 0)
        {
            throw new StorageException(StatusCode.InvalidArgument, $"{kind} name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' must not contain '/', '\\' or NUL");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new StorageException(StatusCode.InvalidArgument, $"{kind} name is longer than {MaxNameBytes} UTF-8 bytes");
        }

        return name;
    }
}
