namespace Engula.Server.Storage;

/// <summary>
/// Object storage in memory or in files. Names are already validated. Failures are <see cref="StorageException"/> (or
/// I/O exceptions, reported as UNKNOWN).
/// </summary>
internal interface IStorageStore
{
    Task CreateBucketAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>Deletes an empty bucket: NOT_FOUND when missing, FAILED_PRECONDITION when it still holds objects.</summary>
    Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>Starts an upload; fails early (NOT_FOUND, ALREADY_EXISTS) when it could never commit.</summary>
    Task<IObjectUpload> BeginUploadAsync(string bucket, string name, CancellationToken cancellationToken);

    Task DeleteObjectAsync(string bucket, string name, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading; NOT_FOUND for a missing bucket or object.</summary>
    Stream OpenRead(string bucket, string name);
}
