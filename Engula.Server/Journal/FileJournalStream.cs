using Engula.Server.Hosting;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Engula.Server.Journal;

/// <summary>
/// One stream of the file journal, kept open for the life of the process (the original re-opened and
/// re-scanned the stream on every RPC). Appends are queued under a lock and made durable by a single writer loop per
/// stream: it writes every queued record with one pwritev and acknowledges them all after one fsync (group commit), so
/// bytes of concurrent appends never interleave and many appends share one fsync. Format: <see cref="SegmentFormat"/>.
/// </summary>
internal sealed class FileJournalStream
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
        Directory = directory;
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

    public string Directory { get; private set; }

    /// <summary>Creates the first segment of a new stream in <paramref name="directory"/> (a staging directory that the
    /// caller renames into place), fsynced.</summary>
    public static void WriteInitialSegment(string directory)
    {
        using var handle = CreateSegmentFile(System.IO.Path.Combine(directory, SegmentFormat.FileName(1, active: true)), 1, previousLastTs: null);
    }

    /// <summary>Opens a stream whose directory holds just the segment written by <see cref="WriteInitialSegment"/>.</summary>
    public static FileJournalStream OpenNew(string name, string directory, long segmentSize, JournalMetrics metrics, ILogger logger)
    {
        var path = System.IO.Path.Combine(directory, SegmentFormat.FileName(1, active: true));
        var active = new ActiveSegment(1, path, OpenForWrite(path), previousLastTs: null);
        return new FileJournalStream(name, directory, segmentSize, metrics, logger, [], active, lastTs: null, brokenReason: null);
    }

    /// <summary>
    /// Recovers a stream from its directory at start-up. Never throws for damaged data: a torn active tail is truncated;
    /// anything that cannot be repaired leaves the stream registered but unusable (UNKNOWN with the reason) so the
    /// other streams and the process keep working, and the stream can still be deleted.
    /// </summary>
    public static FileJournalStream Recover(string name, string directory, long segmentSize, JournalMetrics metrics, ILogger logger, JournalRecoveryStats stats)
    {
        try
        {
            return RecoverCore(name, directory, segmentSize, metrics, logger, stats);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CorruptSegmentException)
        {
            JournalLog.StreamBroken(logger, e, name, e.Message);
            return new FileJournalStream(name, directory, segmentSize, metrics, logger, [], active: null, lastTs: null, brokenReason: e.Message);
        }
    }

    private static FileJournalStream RecoverCore(string name, string directory, long segmentSize, JournalMetrics metrics, ILogger logger, JournalRecoveryStats stats)
    {
        var sealedFiles = new SortedDictionary<ulong, string>();
        var activeFiles = new SortedDictionary<ulong, string>();
        foreach (var path in System.IO.Directory.EnumerateFileSystemEntries(directory))
        {
            var fileName = System.IO.Path.GetFileName(path);
            if (!SegmentFormat.TryParseFileName(fileName, out var number, out var isActive) || !File.Exists(path))
            {
                JournalLog.UnexpectedFile(logger, name, path);
                continue;
            }

            if (!(isActive ? activeFiles : sealedFiles).TryAdd(number, path) || (isActive ? sealedFiles : activeFiles).ContainsKey(number))
            {
                throw new CorruptSegmentException($"segment {number} exists both sealed and active");
            }
        }

        var sealedSegments = new List<SealedSegment>();
        foreach (var (number, path) in sealedFiles)
        {
            sealedSegments.Add(ReadSealed(number, path));
        }

        var top = Math.Max(sealedFiles.Count > 0 ? sealedFiles.Keys.Max() : 0, activeFiles.Count > 0 ? activeFiles.Keys.Max() : 0);
        ActiveSegment? active = null;
        var directoryChanged = false;
        try
        {
            foreach (var (number, path) in activeFiles)
            {
                var (recovered, sealInterrupted) = RecoverActive(name, number, path, LastTsBefore(sealedSegments, number), logger, stats);
                if (number == top && !sealInterrupted)
                {
                    active = recovered;
                    continue;
                }

                // Only the newest segment may be active, and only without a footer. A footer means a roll was cut
                // between its fsync and its rename: finish it. An older active segment can only be left by a damaged
                // directory: keep its records by sealing it (or drop it when empty).
                directoryChanged = true;
                if (sealInterrupted)
                {
                    JournalLog.SealCompleted(logger, name, path);
                }
                else
                {
                    JournalLog.StaleActiveSealed(logger, name, path);
                }

                if (recovered.RecordCount == 0)
                {
                    recovered.Handle.Dispose();
                    File.Delete(path);
                }
                else
                {
                    sealedSegments.Add(Seal(recovered, footerWritten: sealInterrupted));
                }
            }
        }
        catch
        {
            active?.Handle.Dispose();
            throw;
        }

        sealedSegments.Sort((a, b) => a.Number.CompareTo(b.Number));
        for (var i = 1; i < sealedSegments.Count; i++)
        {
            if (sealedSegments[i].FirstTs <= sealedSegments[i - 1].LastTs)
            {
                active?.Handle.Dispose();
                throw new CorruptSegmentException($"sealed segments {sealedSegments[i - 1].Number} and {sealedSegments[i].Number} overlap in timestamps");
            }
        }

        if (active is null)
        {
            // Crash between sealing the last segment and creating the next one (or a directory without segments).
            var number = top + 1;
            var path = System.IO.Path.Combine(directory, SegmentFormat.FileName(number, active: true));
            var previous = sealedSegments.Count > 0 ? sealedSegments[^1].LastTs : (ulong?)null;
            active = new ActiveSegment(number, path, CreateSegmentFile(path, number, previous), previous);
            directoryChanged = true;
        }

        if (directoryChanged)
        {
            DirectorySync.Fsync(directory);
        }

        stats.Streams++;
        stats.SealedSegments += sealedSegments.Count;
        stats.ActiveEvents += active.RecordCount;
        var lastTs = active.LastTs ?? active.PreviousLastTs ?? (sealedSegments.Count > 0 ? sealedSegments[^1].LastTs : null);
        return new FileJournalStream(name, directory, segmentSize, metrics, logger, sealedSegments, active, lastTs, brokenReason: null);
    }

    private static ulong? LastTsBefore(List<SealedSegment> sealedSegments, ulong number) =>
        sealedSegments.Where(s => s.Number < number).Select(s => (ulong?)s.LastTs).LastOrDefault();

    private static SealedSegment ReadSealed(ulong number, string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (length < SegmentFormat.HeaderSize + SegmentFormat.RecordHeaderSize + SegmentFormat.FooterSize)
        {
            throw new CorruptSegmentException($"sealed segment {path} is too short ({length} bytes)");
        }

        var header = new byte[SegmentFormat.HeaderSize];
        RandomAccess.Read(handle, header, 0);
        if (SegmentFormat.TryDecodeHeader(header, number, out _) is { } reason)
        {
            throw new CorruptSegmentException($"sealed segment {path}: {reason}");
        }

        var footerBytes = new byte[SegmentFormat.FooterSize];
        RandomAccess.Read(handle, footerBytes, length - SegmentFormat.FooterSize);
        var footer = SegmentFormat.TryDecodeFooter(footerBytes);
        if (footer is null || footer.DataEnd != length - SegmentFormat.FooterSize || footer.FirstTs > footer.LastTs)
        {
            throw new CorruptSegmentException($"sealed segment {path} has no valid footer");
        }

        return new SealedSegment(number, path, footer.FirstTs, footer.LastTs, footer.DataEnd);
    }

    /// <summary>Scans an active segment, truncating a torn or corrupt tail, and opens it for appending.
    /// <c>SealInterrupted</c> tells that the segment ends in a valid footer: a roll wrote it but did not rename.</summary>
    private static (ActiveSegment Active, bool SealInterrupted) RecoverActive(string name, ulong number, string path, ulong? lastSealedTs, ILogger logger, JournalRecoveryStats stats)
    {
        var handle = OpenForWrite(path);
        try
        {
            var length = RandomAccess.GetLength(handle);
            var header = new byte[SegmentFormat.HeaderSize];
            var headerRead = length >= SegmentFormat.HeaderSize ? RandomAccess.Read(handle, header, 0) : 0;
            if (SegmentFormat.TryDecodeHeader(header.AsSpan(0, headerRead), number, out var previousLastTs) is { } headerProblem)
            {
                // The header is fsynced before any record is appended, so a bad header means the segment was being
                // created when the process died: nothing in it was acknowledged. Start it afresh.
                JournalLog.ActiveHeaderReset(logger, name, path, headerProblem, length);
                RandomAccess.SetLength(handle, 0);
                RandomAccess.Write(handle, SegmentFormat.EncodeHeader(number, lastSealedTs), 0);
                RandomAccess.FlushToDisk(handle);
                return (new ActiveSegment(number, path, handle, lastSealedTs), false);
            }

            var active = new ActiveSegment(number, path, handle, previousLastTs);
            var problem = ScanRecords(path, length, active);
            active.FileLength = length;
            if (problem is null || IsZeroTail(handle, active.CommittedLength, length))
            {
                // The records end where the zeros written ahead of them begin (a crash left them): nothing is torn,
                // and the zeros stay for the next batches to overwrite.
                return (active, false);
            }

            if (IsInterruptedSeal(handle, active, length))
            {
                return (active, true);
            }

            stats.TornTails++;
            JournalLog.TornTailTruncated(logger, name, path, active.CommittedLength, length - active.CommittedLength, problem);
            active.TruncateToCommitted();
            RandomAccess.FlushToDisk(handle);
            return (active, false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads the records of an active segment from its header on, verifying each, and sets the committed
    /// end, count and timestamps of <paramref name="active"/>. Returns why the scan stopped early, or null.</summary>
    private static string? ScanRecords(string path, long length, ActiveSegment active)
    {
        var offset = (long)SegmentFormat.HeaderSize;
        var lastTs = active.PreviousLastTs;
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 16);
        reader.Seek(offset, SeekOrigin.Begin);
        var recordHeader = new byte[SegmentFormat.RecordHeaderSize];
        string? problem = null;
        while (offset < length)
        {
            if (length - offset < SegmentFormat.RecordHeaderSize)
            {
                problem = "incomplete record header";
                break;
            }

            reader.ReadExactly(recordHeader);
            var (_, dataLength, ts) = SegmentFormat.DecodeRecordHeader(recordHeader);
            if (dataLength > length - offset - SegmentFormat.RecordHeaderSize)
            {
                problem = "incomplete record data";
                break;
            }

            var data = new byte[dataLength];
            reader.ReadExactly(data);
            if (!SegmentFormat.RecordChecksumMatches(recordHeader, data))
            {
                problem = "record checksum mismatch";
                break;
            }

            if (lastTs is { } previous && ts <= previous)
            {
                problem = "record timestamp not increasing";
                break;
            }

            active.FirstTs ??= ts;
            active.LastTs = ts;
            active.RecordCount++;
            lastTs = ts;
            offset += SegmentFormat.RecordHeaderSize + dataLength;
        }

        active.CommittedLength = offset;
        return problem;
    }

    private static bool IsZeroTail(SafeFileHandle handle, long from, long length)
    {
        var buffer = new byte[64 * 1024];
        for (var offset = from; offset < length;)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset)), offset);
            if (read == 0 || buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                return false;
            }

            offset += read;
        }

        return true;
    }

    private static bool IsInterruptedSeal(SafeFileHandle handle, ActiveSegment active, long length)
    {
        if (length - active.CommittedLength != SegmentFormat.FooterSize || active.RecordCount == 0)
        {
            return false;
        }

        var bytes = new byte[SegmentFormat.FooterSize];
        RandomAccess.Read(handle, bytes, active.CommittedLength);
        var footer = SegmentFormat.TryDecodeFooter(bytes);
        return footer is not null
            && footer.DataEnd == active.CommittedLength
            && footer.RecordCount == active.RecordCount
            && footer.LastTs == active.LastTs;
    }

    /// <summary>Appends the footer, fsyncs and renames the segment to its sealed name (the directory fsync is the
    /// caller's). Consumes the handle.</summary>
    private static SealedSegment Seal(ActiveSegment active, bool footerWritten)
    {
        if (!footerWritten)
        {
            active.WriteFooter();
        }

        active.Handle.Dispose();
        var sealedPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(active.Path)!, SegmentFormat.FileName(active.Number, active: false));
        File.Move(active.Path, sealedPath);
        return new SealedSegment(active.Number, sealedPath, active.FirstTs!.Value, active.LastTs!.Value, active.CommittedLength);
    }

    private static SafeFileHandle OpenForWrite(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);

    private static SafeFileHandle CreateSegmentFile(string path, ulong number, ulong? previousLastTs)
    {
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            RandomAccess.Write(handle, SegmentFormat.EncodeHeader(number, previousLastTs), 0);
            RandomAccess.FlushToDisk(handle);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

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
    public void MovedTo(string directory) => Directory = directory;

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

    /// <summary>The single writer of this stream: runs while appends are queued, one batch and one fsync per turn.</summary>
    private void WriterLoop()
    {
        try
        {
            WriterLoopCore();
        }
        catch (Exception e)
        {
            // A bug must not leave appends waiting forever or the stream half-written: fail what is queued and refuse
            // further appends; a restart recovers the stream from disk.
            JournalLog.StreamBroken(_logger, e, Name, "writer failed unexpectedly");
            lock (_gate)
            {
                _brokenReason = $"writer failed unexpectedly: {e.Message}";
                FailPendingLocked(new JournalException(StatusCode.Internal, $"stream '{Name}': {_brokenReason}", e));
                _writer = null;
            }
        }
    }

    private void WriterLoopCore()
    {
        while (true)
        {
            ActiveSegment? active;
            lock (_gate)
            {
                if (_closed is not null || _pending.Count == 0)
                {
                    _writer = null;
                    return;
                }

                active = _active;
            }

            if (active is null && !TryCreateNextActive(out active))
            {
                return;
            }

            PendingAppend[] batch;
            lock (_gate)
            {
                batch = TakeBatchLocked(active.CommittedLength);
            }

            long end;
            try
            {
                end = WriteBatch(active, batch);
            }
            catch (Exception e)
            {
                HandleFailedBatch(active, batch, e);
                continue;
            }

            lock (_gate)
            {
                active.CommittedLength = end;
                active.RecordCount += batch.Length;
                active.FirstTs ??= batch[0].Ts;
                active.LastTs = batch[^1].Ts;
                _lastCommittedTs = batch[^1].Ts;
            }

            // Roll before acknowledging the batch that filled the segment: once per segment it costs these appends a
            // few more fsyncs, and in exchange a client that saw its append acknowledged also sees the segment sealed
            // (and releasable). The batch is durable already; a failed roll does not fail it.
            if (end >= _segmentSize)
            {
                Roll(active);
            }

            long bytes = 0;
            foreach (var append in batch)
            {
                bytes += append.Data.Length;
                append.Completion.TrySetResult();
            }

            _metrics.Appended(batch.Length, bytes);
        }
    }

    private PendingAppend[] TakeBatchLocked(long segmentLength)
    {
        var count = 0;
        long bytes = 0;
        while (count < _pending.Count && count < MaxBatchRecords)
        {
            var size = _pending[count].RecordSize;
            // The first record always goes; later ones only while the segment is below its size (so a segment
            // overshoots by at most one record, as in the original) and the batch stays bounded.
            if (count > 0 && (segmentLength + bytes >= _segmentSize || bytes + size > MaxBatchBytes))
            {
                break;
            }

            bytes += size;
            count++;
        }

        var batch = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        _lastWrittenTs = batch[^1].Ts;
        return batch;
    }

    private long WriteBatch(ActiveSegment active, PendingAppend[] batch)
    {
        using var activity = JournalTelemetry.Source.StartActivity("journal.write_batch");
        activity?.SetTag("engula.journal.stream", Name);
        activity?.SetTag("engula.journal.batch_size", batch.Length);
        var headers = new byte[batch.Length * SegmentFormat.RecordHeaderSize];
        var buffers = new List<ReadOnlyMemory<byte>>(batch.Length * 2);
        long length = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            var header = headers.AsMemory(i * SegmentFormat.RecordHeaderSize, SegmentFormat.RecordHeaderSize);
            SegmentFormat.EncodeRecordHeader(header.Span, batch[i].Ts, batch[i].Data.Span);
            buffers.Add(header);
            if (!batch[i].Data.IsEmpty)
            {
                buffers.Add(batch[i].Data.Memory);
            }

            length += batch[i].RecordSize;
        }

        // Zeros written ahead of the records (SegmentFormat: the zero tail) let most batches overwrite blocks the file
        // already has, so their fsync flushes data only instead of also the file's new size and block map: measured
        // here under the engine benchmark, fsync 0.52 ms → 0.36 ms. A segment that fills with this batch gets none.
        var end = active.CommittedLength + length;
        var zeros = end > active.FileLength ? (int)Math.Clamp(_segmentSize - end, 0, ZeroAhead.Length) : 0;
        if (zeros > 0)
        {
            buffers.Add(ZeroAhead[..zeros]);
        }

        var started = Stopwatch.GetTimestamp();
        RandomAccess.Write(active.Handle, buffers, active.CommittedLength);
        active.FileLength = Math.Max(active.FileLength, end + zeros);
        RandomAccess.FlushToDisk(active.Handle);
        _metrics.Fsynced(Stopwatch.GetElapsedTime(started), batch.Length);
        return end;
    }

    private void HandleFailedBatch(ActiveSegment active, PendingAppend[] batch, Exception error)
    {
        JournalLog.AppendBatchFailed(_logger, error, Name, batch.Length);
        try
        {
            // Drop whatever part of the batch reached the file, so a later shorter batch cannot leave stale records
            // behind it (recovery would stop at them anyway: their timestamps are lower).
            active.TruncateToCommitted();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            JournalLog.AppendBatchFailed(_logger, e, Name, 0);
        }

        // Out of space is said as such: nothing of the batch is kept (truncated above), and the stream takes appends again
        // as soon as space is freed.
        var failure = Hosting.DiskSpace.IsFull(error)
            ? new JournalException(StatusCode.ResourceExhausted, $"stream '{Name}': out of disk space: {error.Message}", error)
            : new JournalException(StatusCode.Unknown, $"stream '{Name}': write failed: {error.Message}", error);
        lock (_gate)
        {
            // Queued appends have higher timestamps than the failed ones, so they stay valid after the committed ones.
            _lastWrittenTs = _pending.Count > 0 ? Max(_lastCommittedTs, _pending[^1].Ts) : _lastCommittedTs;
        }

        foreach (var append in batch)
        {
            append.Completion.TrySetException(failure);
        }
    }

    private static ulong? Max(ulong? a, ulong b) => a is { } x && x > b ? x : b;

    /// <summary>Seals the full active segment and starts the next one. A failure leaves appends going to the current
    /// segment (retried at the next commit) or, after the rename, to a new segment created on the next batch.</summary>
    private void Roll(ActiveSegment active)
    {
        try
        {
            active.WriteFooter();
            var sealedPath = System.IO.Path.Combine(Directory, SegmentFormat.FileName(active.Number, active: false));
            lock (_gate)
            {
                // Under the lock so a reader never looks for the active file between its rename and the list update.
                // A roll that started finishes even when the stream is closing: CloseAsync waits for the writer.
                File.Move(active.Path, sealedPath);
                _sealed.Add(new SealedSegment(active.Number, sealedPath, active.FirstTs!.Value, active.LastTs!.Value, active.CommittedLength));
                _active = null;
            }

            active.Handle.Dispose();
            TryCreateNextActive(out _, active);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            JournalLog.RollFailed(_logger, e, Name, active.Path);
            lock (_gate)
            {
                if (_active == active)
                {
                    try
                    {
                        active.TruncateToCommitted();
                    }
                    catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
                    {
                        // The next batch overwrites the footer from the committed end; recovery drops any remainder.
                        JournalLog.RollFailed(_logger, inner, Name, active.Path);
                    }
                }
            }
        }
    }

    /// <summary>Creates segment N+1 after N was sealed. On failure the queued appends fail and the writer stops; the
    /// next append tries again.</summary>
    private bool TryCreateNextActive([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ActiveSegment? created, ActiveSegment? sealedJustNow = null)
    {
        created = null;
        ulong number;
        ulong? previous;
        lock (_gate)
        {
            var last = _sealed.Count > 0 ? _sealed[^1] : null;
            number = sealedJustNow?.Number + 1 ?? (last?.Number + 1 ?? 1);
            previous = _lastCommittedTs;
        }

        var path = System.IO.Path.Combine(Directory, SegmentFormat.FileName(number, active: true));
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            var handle = CreateSegmentFile(path, number, previous);
            try
            {
                DirectorySync.Fsync(Directory);
            }
            catch
            {
                handle.Dispose();
                throw;
            }

            created = new ActiveSegment(number, path, handle, previous);
            lock (_gate)
            {
                if (_closed is not null)
                {
                    handle.Dispose();
                    _writer = null;
                    return false;
                }

                _active = created;
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            JournalLog.RollFailed(_logger, e, Name, path);
            var failure = new JournalException(StatusCode.Unknown, $"stream '{Name}': cannot create segment {number}: {e.Message}", e);
            lock (_gate)
            {
                if (sealedJustNow is null)
                {
                    FailPendingLocked(failure);
                    _lastWrittenTs = _lastCommittedTs;
                    _writer = null;
                }
            }

            return false;
        }
    }

    private sealed class PendingByTs : IComparer<PendingAppend>
    {
        public static readonly PendingByTs Instance = new();

        public int Compare(PendingAppend? x, PendingAppend? y) => x!.Ts.CompareTo(y!.Ts);
    }
}
