using Google.Protobuf;
using Grpc.Core;
using Microsoft.Win32.SafeHandles;

namespace Engula.Server.Journal;

/// <summary>
/// One stream of the file journal, kept open for the life of the process (the original re-opened and
/// re-scanned the stream on every RPC). Appends are queued under a lock and made durable by a single writer loop per
/// stream: it writes every queued record with one pwritev and acknowledges them all after one fsync (group commit), so
/// bytes of concurrent appends never interleave and many appends share one fsync. Format: <see cref="SegmentFormat"/>.
/// Split by concern: this file holds the stream's state and its API (append, release, cursors, close);
/// <c>FileJournalStream.Recovery.cs</c> opens and recovers segment files; <c>FileJournalStream.Writer.cs</c> is the
/// group-commit writer and segment rolling.
/// </summary>
internal sealed partial class FileJournalStream
{
    /// <summary>Upper bounds of one group-commit batch (pwritev takes at most 1024 buffers: two per record, one of zeros).</summary>
    private const int MaxBatchRecords = 500;
    private const long MaxBatchBytes = 16L * 1024 * 1024;

    /// <summary>How far ahead of the records zeros are written (see <see cref="WriteBatch"/>).</summary>
    private static readonly ReadOnlyMemory<byte> ZeroAhead = new byte[1024 * 1024];

    private readonly Lock _gate = new();
    private readonly List<SealedSegment> _sealed;
    private readonly List<PendingAppend> _pending = [];
    private readonly long _segmentSize;
    private readonly JournalMetrics _metrics;
    private readonly ILogger _logger;

    private ActiveSegment? _active;
    private ulong? _lastWrittenTs;
    private ulong? _lastCommittedTs;
    private Task? _writer;
    private JournalException? _closed;
    private string? _brokenReason;

    private FileJournalStream(string name, string directory, long segmentSize, JournalMetrics metrics, ILogger logger, List<SealedSegment> sealedSegments, ActiveSegment? active, ulong? lastTs, string? brokenReason)
    {
        Name = name;
        DirectoryPath = directory;
        _segmentSize = segmentSize;
        _metrics = metrics;
        _logger = logger;
        _sealed = sealedSegments;
        _active = active;
        _lastWrittenTs = lastTs;
        _lastCommittedTs = lastTs;
        _brokenReason = brokenReason;
    }

    public string Name { get; }

    public string DirectoryPath { get; private set; }

    /// <summary>
    /// Accepts an append and returns a task that completes once it is durable. Accepted means: the timestamp is above
    /// every timestamp already handed to the writer and differs from every queued one. A queued append may be overtaken
    /// by a concurrent one with a lower timestamp (both are unacknowledged, so either order is a valid history); this
    /// absorbs the reordering of concurrent pipelined appends by the transport instead of failing them.
    /// </summary>
    public Task AppendAsync(ulong ts, ByteString data)
    {
        if (data.Length > SegmentFormat.MaxDataLength)
        {
            throw new JournalException(StatusCode.InvalidArgument, $"event of {data.Length} bytes exceeds the limit of {SegmentFormat.MaxDataLength} bytes");
        }

        var append = new PendingAppend(ts, data);
        lock (_gate)
        {
            ThrowIfUnavailable();
            if (_lastWrittenTs is { } last && ts <= last)
            {
                throw JournalException.NotIncreasing(Name, ts, last);
            }

            var index = _pending.BinarySearch(append, PendingByTs.Instance);
            if (index >= 0)
            {
                throw JournalException.NotIncreasing(Name, ts, _pending[^1].Ts);
            }

            _pending.Insert(~index, append);
            _writer ??= Task.Run(WriterLoop);
        }

        return append.Completion.Task;
    }

    /// <summary>Deletes the sealed segments whose events are all below <paramref name="ts"/>.</summary>
    public void Release(ulong ts)
    {
        var released = new List<string>();
        lock (_gate)
        {
            ThrowIfUnavailable();
            while (_sealed.Count > 0 && _sealed[0].LastTs < ts)
            {
                released.Add(_sealed[0].Path);
                _sealed.RemoveAt(0);
            }
        }

        // Unlinked outside the lock that appends take: unlinking a written 64 MiB file takes 42–50 ms on this
        // project's machine (its cached pages and blocks are freed), and appends must not stall behind it. The segments
        // are already out of the list, so no new cursor opens them; a reader that opened one keeps reading its own
        // handle, which unlink does not disturb. The directory is not fsynced: a deletion lost in a crash only brings
        // released events back, which readers must tolerate anyway.
        foreach (var path in released)
        {
            try
            {
                File.Delete(path);
            }
            catch (DirectoryNotFoundException)
            {
                // The stream was deleted in the meantime: its directory went with these segments.
            }
        }
    }

    /// <summary>Opens handles on every segment that may hold events at or above <paramref name="ts"/>, fixing the
    /// readable end of the active segment at its acknowledged length.</summary>
    public IJournalCursor OpenCursor(ulong ts)
    {
        var parts = new List<SegmentCursorPart>();
        try
        {
            lock (_gate)
            {
                ThrowIfUnavailable();
                foreach (var segment in _sealed)
                {
                    if (segment.LastTs >= ts)
                    {
                        parts.Add(new SegmentCursorPart(segment.Path, OpenForRead(segment.Path), segment.DataEnd));
                    }
                }

                if (_active is { RecordCount: > 0, LastTs: { } last } active && last >= ts)
                {
                    parts.Add(new SegmentCursorPart(active.Path, OpenForRead(active.Path), active.CommittedLength));
                }
            }

            return new FileJournalCursor(Name, parts, ts);
        }
        catch
        {
            foreach (var part in parts)
            {
                part.Handle.Dispose();
            }

            throw;
        }
    }

    private static SafeFileHandle OpenForRead(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>
    /// Stops the stream: queued appends fail with <paramref name="reason"/>, an in-flight batch finishes (its appends
    /// are acknowledged: they completed before the stop), then the active segment is closed.
    /// </summary>
    public async Task CloseAsync(JournalException reason)
    {
        Task? writer;
        lock (_gate)
        {
            _closed ??= reason;
            FailPendingLocked(reason);
            writer = _writer;
        }

        if (writer is not null)
        {
            await writer;
        }

        lock (_gate)
        {
            if (_active is { } active)
            {
                TrimZeroTail(active);
                active.Handle.Dispose();
            }
        }
    }

    /// <summary>On a clean stop the active segment ends at its last record again; best effort, as recovery takes a
    /// zero tail in its stride.</summary>
    private void TrimZeroTail(ActiveSegment active)
    {
        if (active.FileLength == active.CommittedLength)
        {
            return;
        }

        try
        {
            active.TruncateToCommitted();
            RandomAccess.FlushToDisk(active.Handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            JournalLog.ZeroTailTrimFailed(_logger, e, Name, active.Path);
        }
    }

    /// <summary>After a delete moved the directory away (for the final recursive removal).</summary>
    public void MovedTo(string directory) => DirectoryPath = directory;

    private void ThrowIfUnavailable()
    {
        if (_closed is not null)
        {
            throw _closed.Status == StatusCode.NotFound ? JournalException.StreamNotFound(Name) : new JournalException(_closed.Status, _closed.Message);
        }

        if (_brokenReason is not null)
        {
            throw new JournalException(StatusCode.Unknown, $"stream '{Name}' is unusable: {_brokenReason}");
        }
    }

    private void FailPendingLocked(Exception reason)
    {
        foreach (var append in _pending)
        {
            append.Completion.TrySetException(reason);
        }

        _pending.Clear();
    }

    private sealed class PendingByTs : IComparer<PendingAppend>
    {
        public static readonly PendingByTs Instance = new();

        public int Compare(PendingAppend? x, PendingAppend? y) => x!.Ts.CompareTo(y!.Ts);
    }
}
