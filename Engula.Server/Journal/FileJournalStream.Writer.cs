using Engula.Server.Files;
using System.Diagnostics;
using Grpc.Core;

namespace Engula.Server.Journal;

/// <summary>The writer: group commit (one pwritev and one fsync per batch), failed batches, rolling to the next segment.</summary>
internal sealed partial class FileJournalStream
{
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
        var failure = DiskSpace.IsFull(error)
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
            var sealedPath = Path.Combine(DirectoryPath, SegmentFormat.FileName(active.Number, active: false));
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

        var path = Path.Combine(DirectoryPath, SegmentFormat.FileName(number, active: true));
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            var handle = CreateSegmentFile(path, number, previous);
            try
            {
                DirectorySync.Fsync(DirectoryPath);
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
}
