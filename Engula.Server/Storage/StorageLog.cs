namespace Engula.Server.Storage;

/// <summary>Structured storage logs.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Storage opened {Root}: {BucketCount} buckets, {TempRemoved} leftover partial uploads removed")]
    public static partial void Opened(ILogger logger, string root, int bucketCount, int tempRemoved);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Storage could not remove {Path}; it is removed at the next start")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string path);

}
