using Engula.Server.Files;
using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.Server.Journal;

/// <summary>
/// The <c>--file</c> journal: every stream recovered at construction (before the server listens) and kept open.
/// Layout and record format: <see cref="SegmentFormat"/>. Stream creation and deletion go through <c>ROOT/tmp</c>, so
/// a stream directory appears complete (first segment fsynced) or not at all, and disappears in one rename.
/// </summary>
internal sealed class FileJournalStore : IJournalStore, IDisposable, IAsyncDisposable
{
    public const string StreamsDirectoryName = "streams";
    public const string TempDirectoryName = "tmp";

    private readonly ConcurrentDictionary<string, FileJournalStream> _streams = new(StringComparer.Ordinal);

    // Create and delete are rare; one lock keeps "exists in memory" and "exists on disk" in step for them.
    private readonly SemaphoreSlim _catalog = new(1, 1);
    private readonly string _streamsDirectory;
    private readonly string _tempDirectory;
    private readonly long _segmentSize;
    private readonly JournalMetrics _metrics;
    private readonly ILogger _logger;
    private int _disposed;

    public FileJournalStore(JournalOptions options, JournalMetrics metrics, ILogger<FileJournalStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options.Directory);
        _segmentSize = options.SegmentSize;
        _metrics = metrics;
        _logger = logger;
        var root = Path.GetFullPath(options.Directory);
        _streamsDirectory = Path.Combine(root, StreamsDirectoryName);
        _tempDirectory = Path.Combine(root, TempDirectoryName);
        RecoveryStats = Recover(root);
    }

    public JournalRecoveryStats RecoveryStats { get; }

    private JournalRecoveryStats Recover(string root)
    {
        var started = Stopwatch.GetTimestamp();
        var stats = new JournalRecoveryStats();
        Directory.CreateDirectory(_streamsDirectory);
        Directory.CreateDirectory(_tempDirectory);
        DirectorySync.Fsync(root);

        // Staging directories of interrupted creates and deletes: neither was acknowledged (a delete is acknowledged
        // after its rename, which took the stream out of streams/ already).
        foreach (var entry in Directory.EnumerateFileSystemEntries(_tempDirectory))
        {
            DeleteEntry(entry);
            stats.TempEntriesRemoved++;
        }

        if (stats.TempEntriesRemoved > 0)
        {
            JournalLog.TempCleaned(_logger, stats.TempEntriesRemoved, _tempDirectory);
        }

        foreach (var directory in Directory.EnumerateDirectories(_streamsDirectory))
        {
            var name = Path.GetFileName(directory);
            _streams[name] = FileJournalStream.Recover(name, directory, _segmentSize, _metrics, _logger, stats);
        }

        JournalLog.Recovered(_logger, stats.Streams, root, stats.SealedSegments, stats.ActiveEvents, stats.TornTails, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return stats;
    }

    public async Task CreateStreamAsync(string stream, CancellationToken cancellationToken)
    {
        await _catalog.WaitAsync(cancellationToken);
        try
        {
            var target = Path.Combine(_streamsDirectory, stream);
            if (_streams.ContainsKey(stream) || Directory.Exists(target) || File.Exists(target))
            {
                throw JournalException.StreamExists(stream);
            }

            var staging = Path.Combine(_tempDirectory, "create-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(staging);
            try
            {
                FileJournalStream.WriteInitialSegment(staging);
                DirectorySync.Fsync(staging);
                Directory.Move(staging, target);
            }
            catch
            {
                DeleteEntry(staging);
                throw;
            }

            DirectorySync.Fsync(_streamsDirectory);
            _streams[stream] = FileJournalStream.OpenNew(stream, target, _segmentSize, _metrics, _logger);
        }
        finally
        {
            _catalog.Release();
        }
    }

    public async Task DeleteStreamAsync(string stream, CancellationToken cancellationToken)
    {
        string graveyard;
        await _catalog.WaitAsync(cancellationToken);
        try
        {
            if (!_streams.TryRemove(stream, out var removed))
            {
                throw JournalException.StreamNotFound(stream);
            }

            // Appends queued behind the delete fail with NOT_FOUND; a batch already being written completes first.
            await removed.CloseAsync(JournalException.StreamNotFound(stream));
            graveyard = Path.Combine(_tempDirectory, "delete-" + Guid.NewGuid().ToString("N"));
            Directory.Move(removed.DirectoryPath, graveyard);
            removed.MovedTo(graveyard);
            DirectorySync.Fsync(_streamsDirectory);
        }
        finally
        {
            _catalog.Release();
        }

        // The stream is gone once the rename is durable; removing the files can fail or be cut short harmlessly
        // (start-up empties tmp/).
        DeleteEntry(graveyard);
    }

    public Task AppendAsync(string stream, ulong ts, ByteString data) => Get(stream).AppendAsync(ts, data);

    public Task ReleaseAsync(string stream, ulong ts, CancellationToken cancellationToken)
    {
        Get(stream).Release(ts);
        return Task.CompletedTask;
    }

    public IJournalCursor OpenCursor(string stream, ulong ts) => Get(stream).OpenCursor(ts);

    private FileJournalStream Get(string stream) =>
        _streams.TryGetValue(stream, out var found) ? found : throw JournalException.StreamNotFound(stream);

    private void DeleteEntry(string path)
    {
        if (!FileEntries.TryDelete(path, out var failure))
        {
            JournalLog.CleanupFailed(_logger, failure, path);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The host stops accepting calls and drains them before disposing services; anything still queued now fails.
        var closing = new JournalException(StatusCode.Unavailable, "journal is shutting down");
        foreach (var stream in _streams.Values)
        {
            await stream.CloseAsync(closing);
        }

        _catalog.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
