using System.Collections.Concurrent;
using Google.Protobuf;

namespace Engula.Server.Journal;

/// <summary>The <c>--mem</c> journal: streams in a dictionary, each behind its own lock.</summary>
internal sealed class MemJournalStore(JournalMetrics metrics) : IJournalStore
{
    private readonly ConcurrentDictionary<string, MemJournalStream> _streams = new(StringComparer.Ordinal);

    public Task CreateStreamAsync(string stream, CancellationToken cancellationToken)
    {
        if (!_streams.TryAdd(stream, new MemJournalStream(stream)))
        {
            throw JournalException.StreamExists(stream);
        }

        return Task.CompletedTask;
    }

    public Task DeleteStreamAsync(string stream, CancellationToken cancellationToken)
    {
        if (!_streams.TryRemove(stream, out var removed))
        {
            throw JournalException.StreamNotFound(stream);
        }

        // An append that found the stream just before the removal now fails with NOT_FOUND instead of writing
        // into a stream nobody can read.
        removed.MarkDeleted();
        return Task.CompletedTask;
    }

    public Task AppendAsync(string stream, ulong ts, ByteString data)
    {
        Get(stream).Append(ts, data);
        metrics.Appended(1, data.Length);
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string stream, ulong ts, CancellationToken cancellationToken)
    {
        Get(stream).Release(ts);
        return Task.CompletedTask;
    }

    public IJournalCursor OpenCursor(string stream, ulong ts) => new MemJournalCursor(Get(stream).Snapshot(ts));

    private MemJournalStream Get(string stream) =>
        _streams.TryGetValue(stream, out var found) ? found : throw JournalException.StreamNotFound(stream);
}
