using Engula.Server.Files;
using Engula.Protocol.Storage;
using Google.Protobuf;
using Grpc.Core;
using StorageGrpc = Engula.Protocol.Storage.Storage;

namespace Engula.Server.Storage;

/// <summary>
/// <c>engula.storage.v1.Storage</c> (storage.proto) over <see cref="IStorageStore"/>. Failures are exceptions that
/// <see cref="Runtime.StatusMappingInterceptor"/> turns into statuses.
/// </summary>
internal sealed class StorageService(IStorageStore store, StorageMetrics metrics) : StorageGrpc.StorageBase
{
    /// <summary>Bytes per <see cref="ReadObjectResponse"/>.</summary>
    public const int ReadChunkBytes = 64 * 1024;

    public override async Task<CreateBucketResponse> CreateBucket(CreateBucketRequest request, ServerCallContext context)
    {
        await store.CreateBucketAsync(PathSafeName.Validate("bucket", request.Bucket), context.CancellationToken);
        return new CreateBucketResponse();
    }

    public override async Task<DeleteBucketResponse> DeleteBucket(DeleteBucketRequest request, ServerCallContext context)
    {
        await store.DeleteBucketAsync(PathSafeName.Validate("bucket", request.Bucket), context.CancellationToken);
        return new DeleteBucketResponse();
    }

    /// <summary>
    /// The bucket and object come from the first message only (the Rust client repeats them in every message; later
    /// values are ignored, as in the original). Zero messages create nothing and succeed. The object appears when the
    /// client half-closes, all at once; an upload cut short leaves nothing.
    /// </summary>
    public override async Task<UploadObjectResponse> UploadObject(IAsyncStreamReader<UploadObjectRequest> requestStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken))
        {
            return new UploadObjectResponse();
        }

        var first = requestStream.Current;
        var bucket = PathSafeName.Validate("bucket", first.Bucket);
        var name = PathSafeName.Validate("object", first.Object);
        await using var upload = await store.BeginUploadAsync(bucket, name, cancellationToken);
        await upload.WriteAsync(first.Content.Memory, cancellationToken);
        while (await requestStream.MoveNext(cancellationToken))
        {
            await upload.WriteAsync(requestStream.Current.Content.Memory, cancellationToken);
        }

        await upload.CommitAsync(cancellationToken);
        metrics.Uploaded(upload.Length);
        return new UploadObjectResponse();
    }

    public override async Task<DeleteObjectResponse> DeleteObject(DeleteObjectRequest request, ServerCallContext context)
    {
        var bucket = PathSafeName.Validate("bucket", request.Bucket);
        var name = PathSafeName.Validate("object", request.Object);
        await store.DeleteObjectAsync(bucket, name, context.CancellationToken);
        return new DeleteObjectResponse();
    }

    /// <summary>Streams the object in chunks of <see cref="ReadChunkBytes"/>; an empty object yields no message. A missing
    /// bucket or object is reported before anything is streamed.</summary>
    public override async Task ReadObject(ReadObjectRequest request, IServerStreamWriter<ReadObjectResponse> responseStream, ServerCallContext context)
    {
        var bucket = PathSafeName.Validate("bucket", request.Bucket);
        var name = PathSafeName.Validate("object", request.Object);
        await using var content = store.OpenRead(bucket, name);
        long total = 0;
        while (true)
        {
            var chunk = new byte[ReadChunkBytes];
            var read = await content.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false, context.CancellationToken);
            if (read == 0)
            {
                break;
            }

            // The chunk is not reused, so the message can wrap it instead of copying it.
            await responseStream.WriteAsync(new ReadObjectResponse { Content = UnsafeByteOperations.UnsafeWrap(chunk.AsMemory(0, read)) }, context.CancellationToken);
            total += read;
            if (read < chunk.Length)
            {
                break;
            }
        }

        metrics.Read(total);
    }
}
