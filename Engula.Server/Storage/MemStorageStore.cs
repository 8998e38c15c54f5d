namespace Engula.Server.Storage;

/// <summary>The <c>--mem</c> storage: buckets of immutable byte arrays behind one lock (metadata operations are rare
/// and short; upload data is gathered outside the lock).</summary>
internal sealed class MemStorageStore : IStorageStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, byte[]>> _buckets = new(StringComparer.Ordinal);

    public Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_buckets.TryAdd(bucket, new Dictionary<string, byte[]>(StringComparer.Ordinal)))
            {
                throw StorageException.BucketExists(bucket);
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var objects = Bucket(bucket);
            if (objects.Count > 0)
            {
                throw StorageException.BucketNotEmpty(bucket);
            }

            _buckets.Remove(bucket);
        }

        return Task.CompletedTask;
    }

    public Task<IObjectUpload> BeginUploadAsync(string bucket, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Bucket(bucket).ContainsKey(name))
            {
                throw StorageException.ObjectExists(bucket, name);
            }
        }

        return Task.FromResult<IObjectUpload>(new MemObjectUpload(this, bucket, name));
    }

    /// <summary>Publishes a finished upload; the bucket may have gone or another upload may have won meanwhile.</summary>
    public void Commit(string bucket, string name, byte[] content)
    {
        lock (_gate)
        {
            if (!Bucket(bucket).TryAdd(name, content))
            {
                throw StorageException.ObjectExists(bucket, name);
            }
        }
    }

    public Task DeleteObjectAsync(string bucket, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!Bucket(bucket).Remove(name))
            {
                throw StorageException.ObjectNotFound(bucket, name);
            }
        }

        return Task.CompletedTask;
    }

    public Stream OpenRead(string bucket, string name)
    {
        lock (_gate)
        {
            return Bucket(bucket).TryGetValue(name, out var content)
                ? new MemoryStream(content, writable: false)
                : throw StorageException.ObjectNotFound(bucket, name);
        }
    }

    private Dictionary<string, byte[]> Bucket(string bucket) =>
        _buckets.TryGetValue(bucket, out var objects) ? objects : throw StorageException.BucketNotFound(bucket);
}
