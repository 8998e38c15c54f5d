using Engula.Server.Files;
using Microsoft.Win32.SafeHandles;

namespace Engula.Server.Journal;

/// <summary>Opening a stream: the segment files, recovery of a torn or half-sealed tail, sealing.</summary>
internal sealed partial class FileJournalStream
{
    /// <summary>Creates the first segment of a new stream in <paramref name="directory"/> (a staging directory that the
    /// caller renames into place), fsynced.</summary>
    public static void WriteInitialSegment(string directory)
    {
        using var handle = CreateSegmentFile(Path.Combine(directory, SegmentFormat.FileName(1, active: true)), 1, previousLastTs: null);
    }

    /// <summary>Opens a stream whose directory holds just the segment written by <see cref="WriteInitialSegment"/>.</summary>
    public static FileJournalStream OpenNew(string name, string directory, long segmentSize, JournalMetrics metrics, ILogger logger)
    {
        var path = Path.Combine(directory, SegmentFormat.FileName(1, active: true));
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
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            var fileName = Path.GetFileName(path);
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
            var path = Path.Combine(directory, SegmentFormat.FileName(number, active: true));
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
        var sealedPath = Path.Combine(Path.GetDirectoryName(active.Path)!, SegmentFormat.FileName(active.Number, active: false));
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
}
