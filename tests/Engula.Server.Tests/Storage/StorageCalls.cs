using Engula.Protocol.Storage;
using Google.Protobuf;
using Grpc.Core;
using StorageClient = Engula.Protocol.Storage.Storage.StorageClient;

namespace Engula.Server.Tests.Storage;

/// <summary>Short forms of storage calls for the tests.</summary>
public static class StorageCalls
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task CreateBucket(this StorageClient client, string bucket) =>
        await client.CreateBucketAsync(new CreateBucketRequest { Bucket = bucket }, cancellationToken: Ct);

    public static async Task DeleteBucket(this StorageClient client, string bucket) =>
        await client.DeleteBucketAsync(new DeleteBucketRequest { Bucket = bucket }, cancellationToken: Ct);

    public static async Task DeleteObject(this StorageClient client, string bucket, string name) =>
        await client.DeleteObjectAsync(new DeleteObjectRequest { Bucket = bucket, Object = name }, cancellationToken: Ct);

    /// <summary>Uploads <paramref name="parts"/> as one message each, repeating the names in every message like the
    /// Rust client. The server may answer before everything was sent (an early rejection); then the failed write is
    /// ignored and the call's status, from the response, is what this throws.</summary>
    public static async Task Upload(this StorageClient client, string bucket, string name, params byte[][] parts)
    {
        using var call = client.UploadObject(cancellationToken: Ct);
        try
        {
            foreach (var part in parts)
            {
                await call.RequestStream.WriteAsync(new UploadObjectRequest { Bucket = bucket, Object = name, Content = ByteString.CopyFrom(part) }, Ct);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception) when (!Ct.IsCancellationRequested)
        {
            // The server already answered (the write then fails as RpcException, InvalidOperationException or, when
            // the stream was reset mid-write, an I/O error); its status is in the response, awaited below.
        }

        await call.ResponseAsync;
    }

    public static Task Upload(this StorageClient client, string bucket, string name, string text) =>
        client.Upload(bucket, name, System.Text.Encoding.UTF8.GetBytes(text));

    public static async Task<List<ReadObjectResponse>> ReadMessages(this StorageClient client, string bucket, string name)
    {
        using var call = client.ReadObject(new ReadObjectRequest { Bucket = bucket, Object = name }, cancellationToken: Ct);
        var messages = new List<ReadObjectResponse>();
        await foreach (var message in call.ResponseStream.ReadAllAsync(Ct))
        {
            messages.Add(message);
        }

        return messages;
    }

    public static async Task<byte[]> Read(this StorageClient client, string bucket, string name) =>
        (await client.ReadMessages(bucket, name)).SelectMany(m => m.Content.ToByteArray()).ToArray();

    public static async Task<string> ReadText(this StorageClient client, string bucket, string name) =>
        System.Text.Encoding.UTF8.GetString(await client.Read(bucket, name));
}
