using Grpc.Core;

namespace Engula.Server.Journal;

/// <summary>
/// A journal failure that maps to one gRPC status. The store raises it; the status interceptor turns it
/// into the call's status, so the stores never depend on how a call is answered.
/// </summary>
public sealed class JournalException : ComponentException
{
    public JournalException()
        : this(StatusCode.Unknown, "journal error")
    {
    }

    public JournalException(string message)
        : this(StatusCode.Unknown, message)
    {
    }

    public JournalException(string message, Exception innerException)
        : this(StatusCode.Unknown, message, innerException)
    {
    }

    public JournalException(StatusCode status, string message, Exception? innerException = null)
        : base(status, message, innerException)
    {
    }

    internal static JournalException StreamNotFound(string stream) => new(StatusCode.NotFound, $"stream '{stream}' not found");

    internal static JournalException StreamExists(string stream) => new(StatusCode.AlreadyExists, $"stream '{stream}' already exists");

    internal static JournalException NotIncreasing(string stream, ulong ts, ulong last) =>
        new(StatusCode.InvalidArgument, $"timestamp {ts} of stream '{stream}' is not greater than the last timestamp {last}");
}
