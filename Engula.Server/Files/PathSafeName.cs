using System.Text;
using Grpc.Core;

namespace Engula.Server.Files;

/// <summary>
/// Stream, bucket and object names are opaque to the protocol, but in file mode they become directory and file names,
/// so every mode rejects the names that would escape or alias a path (the original joined them onto paths unchecked):
/// empty, <c>.</c>, <c>..</c>, containing <c>/</c>, <c>\</c> or NUL, or longer than one path component. Both modes
/// apply the same rule, so that a client sees the same answer from <c>--mem</c> and <c>--file</c>.
/// </summary>
internal static class PathSafeName
{
    /// <summary>The longest name in UTF-8 bytes: one path component on common Linux file systems.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Returns <paramref name="name"/> when it is safe as one path component.</summary>
    /// <param name="what">What the name names, for the message: <c>stream</c>, <c>bucket</c>, <c>object</c>.</param>
    /// <param name="name">The name.</param>
    /// <exception cref="InvalidNameException">It is not (INVALID_ARGUMENT).</exception>
    public static string Validate(string what, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidNameException($"{what} name must not be empty");
        }

        if (name is "." or "..")
        {
            throw new InvalidNameException($"{what} name '{name}' is not allowed");
        }

        if (name.AsSpan().IndexOfAny('/', '\\', '\0') >= 0)
        {
            throw new InvalidNameException($"{what} name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' must not contain '/', '\\' or NUL");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new InvalidNameException($"{what} name is longer than {MaxNameBytes} UTF-8 bytes");
        }

        return name;
    }
}

/// <summary>A name that cannot be one path component; answered with INVALID_ARGUMENT.</summary>
public sealed class InvalidNameException : ComponentException
{
    public InvalidNameException()
        : this("invalid name")
    {
    }

    public InvalidNameException(string message)
        : base(StatusCode.InvalidArgument, message, null)
    {
    }

    public InvalidNameException(string message, Exception innerException)
        : base(StatusCode.InvalidArgument, message, innerException)
    {
    }
}
