namespace Engula.Server.Journal;

/// <summary>Structured journal logs (recovery outcome, repairs, failures).</summary>
internal static partial class JournalLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Journal recovered {StreamCount} streams from {Root} ({SealedSegments} sealed segments, {ActiveEvents} events in active segments, {TornTails} torn tails truncated) in {ElapsedMs} ms")]
    public static partial void Recovered(ILogger logger, int streamCount, string root, int sealedSegments, long activeEvents, int tornTails, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Journal stream '{Stream}': truncated the tail of active segment {Segment} at offset {Offset}, dropping {DroppedBytes} bytes ({Reason})")]
    public static partial void TornTailTruncated(ILogger logger, string stream, string segment, long offset, long droppedBytes, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Journal stream '{Stream}': completed the interrupted seal of segment {Segment}")]
    public static partial void SealCompleted(ILogger logger, string stream, string segment);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Journal stream '{Stream}': active segment {Segment} had an invalid header ({Reason}); reinitialised it, dropping {DroppedBytes} unacknowledged bytes")]
    public static partial void ActiveHeaderReset(ILogger logger, string stream, string segment, string reason, long droppedBytes);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Journal stream '{Stream}' is unusable until repaired: {Reason}")]
    public static partial void StreamBroken(ILogger logger, Exception? exception, string stream, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Journal stream '{Stream}': ignoring unexpected file {File}")]
    public static partial void UnexpectedFile(ILogger logger, string stream, string file);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Journal removed {Count} leftover temporary entries from {Directory}")]
    public static partial void TempCleaned(ILogger logger, int count, string directory);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Journal stream '{Stream}': append batch of {Events} events failed")]
    public static partial void AppendBatchFailed(ILogger logger, Exception exception, string stream, int events);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "Journal stream '{Stream}': rolling segment {Segment} failed; appends continue in it")]
    public static partial void RollFailed(ILogger logger, Exception exception, string stream, string segment);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Journal could not remove {Path}; it is removed at the next start")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string path);


    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Journal stream '{Stream}': sealed stale active segment {Segment} found during recovery")]
    public static partial void StaleActiveSealed(ILogger logger, string stream, string segment);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Journal stream '{Stream}': could not trim the zeros after the last record of {Segment} at stop; the next start keeps them")]
    public static partial void ZeroTailTrimFailed(ILogger logger, Exception exception, string stream, string segment);
}
