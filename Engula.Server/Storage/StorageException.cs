using Grpc.Core;

namespace Engula.Server.Storage;

/// <summary>A storage failure that maps to one gRPC status; <see cref="StatusMappingInterceptor"/> applies it.</summary>
public sealed class StorageException : ComponentException
{
    public StorageException()
        : this(StatusCode.Unknown, "storage error")
    {
    }

    public StorageException(string message)
        : this(StatusCode.Unknown, message)
    {
    }

    public StorageException(string message, Exception innerException)
        : this(StatusCode.Unknown, message, innerException)
    {
    }

    public StorageException(StatusCode status, string message, Exception? innerException = null)
        : base(status, message, innerException)
    {
    }

    internal static StorageException BucketNotFound(string bucket) => new(StatusCode.NotFound, $"bucket '{bucket}' not found");

    internal static StorageException BucketExists(string bucket) => new(StatusCode.AlreadyExists, $"bucket '{bucket}' already exists");

    internal static StorageException BucketNotEmpty(string bucket) => new(StatusCode.FailedPrecondition, $"bucket '{bucket}' is not empty");

    internal static StorageException ObjectNotFound(string bucket, string name) => new(StatusCode.NotFound, $"object '{name}' not found in bucket '{bucket}'");

    internal static StorageException ObjectExists(string bucket, string name) => new(StatusCode.AlreadyExists, $"object '{name}' already exists in bucket '{bucket}'");
}
