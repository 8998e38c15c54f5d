namespace Engula.Server.Journal;

/// <summary>
/// The journal's storage, in memory or in files. Names are already validated; timestamps already decoded. Failures
/// are <see cref="JournalException"/> (or I/O exceptions, which the service reports as UNKNOWN).
/// </summary>
internal interface IJournalStore
{
    Task CreateStreamAsync(string stream, CancellationToken cancellationToken);

    Task DeleteStreamAsync(string stream, CancellationToken cancellationToken);

    /// <summary>Appends one event; the task completes when the event is acknowledged (durable, in file mode).</summary>
    Task AppendAsync(string stream, ulong ts, Google.Protobuf.ByteString data);

    /// <summary>Releases events with a timestamp below <paramref name="ts"/> (exclusive bound).</summary>
    Task ReleaseAsync(string stream, ulong ts, CancellationToken cancellationToken);

    /// <summary>Opens a snapshot of the events with a timestamp at or above <paramref name="ts"/>. An unknown stream
    /// fails here, before anything is streamed.</summary>
    IJournalCursor OpenCursor(string stream, ulong ts);
}
