using Engula.Server.Files;
using Engula.Server.Journal;

namespace Engula.Server.Storage;

/// <summary>
/// The <c>--file</c> storage. On-disk format:
/// <code>
/// ROOT/buckets/&lt;bucket&gt;/            a bucket is a directory (names validated by <see cref="StorageNames"/>)
/// ROOT/buckets/&lt;bucket&gt;/&lt;object&gt;   an object is a file holding exactly the uploaded bytes (no header)
/// ROOT/tmp/&lt;random&gt;.upload          an upload in progress; everything in tmp/ is removed at start-up
/// </code>
/// Uploads are atomic (the original's were not): the bytes go to a file in <c>tmp/</c>, which no bucket or object name can
/// reach, are fsynced, and the file is renamed into its bucket under the namespace lock (after checking that the
/// bucket still exists and the object does not), then the bucket directory is fsynced. A reader therefore sees a
/// whole object or none, an existing object is never replaced (ALREADY_EXISTS, as in mem mode), and a client that
/// disconnects mid-upload leaves nothing visible. Bucket and object deletions are fsynced the same way.
/// </summary>
internal sealed class FileStorageStore : IStorageStore
{
    public const string BucketsDirectoryName = "buckets";
    public const string TempDirectoryName = "tmp";
    public const string UploadExtension = ".upload";

    // Serialises namespace changes (bucket create/delete, object commit/delete): their check-then-act must not race.
    // Upload data is written outside it.
    private readonly SemaphoreSlim _namespace = new(1, 1);
    private readonly ILogger _logger;

    public FileStorageStore(StorageOptions options, ILogger<FileStorageStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options.Directory);
        _logger = logger;
        var root = Path.GetFullPath(options.Directory);
        BucketsDirectory = Path.Combine(root, BucketsDirectoryName);
        TempDirectory = Path.Combine(root, TempDirectoryName);
        Directory.CreateDirectory(BucketsDirectory);
        Directory.CreateDirectory(TempDirectory);
        DirectorySync.Fsync(root);

        var removed = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(TempDirectory))
        {
            DeleteQuietly(entry);
            removed++;
        }

        LeftoversRemoved = removed;
        StorageLog.Opened(logger, root, Directory.EnumerateDirectories(BucketsDirectory).Count(), removed);
    }

    public string BucketsDirectory { get; }

    public string TempDirectory { get; }

    /// <summary>Partial uploads found in <c>tmp/</c> at start-up and removed.</summary>
    public int LeftoversRemoved { get; }

    public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        var path = BucketPath(bucket);
        await _namespace.WaitAsync(cancellationToken);
        try
        {
            if (Directory.Exists(path) || File.Exists(path))
            {
                throw StorageException.BucketExists(bucket);
            }

            Directory.CreateDirectory(path);
            DirectorySync.Fsync(BucketsDirectory);
        }
        finally
        {
            _namespace.Release();
        }
    }

    public async Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        var path = BucketPath(bucket);
        await _namespace.WaitAsync(cancellationToken);
        try
        {
            if (!Directory.Exists(path))
            {
                throw StorageException.BucketNotFound(bucket);
            }

            if (Directory.EnumerateFileSystemEntries(path).Any())
            {
                throw StorageException.BucketNotEmpty(bucket);
            }

            Directory.Delete(path, recursive: false);
            DirectorySync.Fsync(BucketsDirectory);
        }
        finally
        {
            _namespace.Release();
        }
    }

    public Task<IObjectUpload> BeginUploadAsync(string bucket, string name, CancellationToken cancellationToken)
    {
        // Early answers for uploads that could never commit; the commit checks again under the lock.
        if (!Directory.Exists(BucketPath(bucket)))
        {
            throw StorageException.BucketNotFound(bucket);
        }

        if (File.Exists(ObjectPath(bucket, name)))
        {
            throw StorageException.ObjectExists(bucket, name);
        }

        var temp = Path.Combine(TempDirectory, Guid.NewGuid().ToString("N") + UploadExtension);
        return Task.FromResult<IObjectUpload>(new FileObjectUpload(this, bucket, name, temp));
    }

    /// <summary>Moves a fully written and fsynced temp file into place, never replacing an existing object.</summary>
    public async Task CommitAsync(string bucket, string name, string tempPath)
    {
        var bucketPath = BucketPath(bucket);
        var target = ObjectPath(bucket, name);
        // Not cancellable: the client has sent everything; finishing is cheaper than undoing.
        await _namespace.WaitAsync(CancellationToken.None);
        try
        {
            if (!Directory.Exists(bucketPath))
            {
                throw StorageException.BucketNotFound(bucket);
            }

            if (File.Exists(target) || Directory.Exists(target))
            {
                throw StorageException.ObjectExists(bucket, name);
            }

            File.Move(tempPath, target, overwrite: false);
            DirectorySync.Fsync(bucketPath);
        }
        finally
        {
            _namespace.Release();
        }
    }

    public async Task DeleteObjectAsync(string bucket, string name, CancellationToken cancellationToken)
    {
        var bucketPath = BucketPath(bucket);
        var target = ObjectPath(bucket, name);
        await _namespace.WaitAsync(cancellationToken);
        try
        {
            if (!Directory.Exists(bucketPath))
            {
                throw StorageException.BucketNotFound(bucket);
            }

            if (!File.Exists(target))
            {
                throw StorageException.ObjectNotFound(bucket, name);
            }

            File.Delete(target);
            DirectorySync.Fsync(bucketPath);
        }
        finally
        {
            _namespace.Release();
        }
    }

    public Stream OpenRead(string bucket, string name)
    {
        try
        {
            // FileShare.Delete: a concurrent DeleteObject unlinks the name; this reader keeps its bytes.
            return new FileStream(ObjectPath(bucket, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Directory.Exists(BucketPath(bucket)) ? StorageException.ObjectNotFound(bucket, name) : StorageException.BucketNotFound(bucket);
        }
    }

    public void DeleteQuietly(string path)
    {
        if (!FileEntries.TryDelete(path, out var failure))
        {
            StorageLog.CleanupFailed(_logger, failure, path);
        }
    }

    private string BucketPath(string bucket) => Path.Combine(BucketsDirectory, bucket);

    private string ObjectPath(string bucket, string name) => Path.Combine(BucketsDirectory, bucket, name);
}
