using Engula.Protocol.Storage;
using Engula.Server.Storage;
using Engula.Server.Tests.Infrastructure;
using Engula.Server.Tests.Wire;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Engula.Server.Tests.Storage;

/// <summary>The storage conformance suite against <c>--file</c>, plus durability and clean-up of partial uploads.</summary>
public sealed class StorageFileModeTests : StorageConformanceTests
{
    private string Root => Path.Combine(Scratch, "root", "created", "at", "start");

    private string TempDirectory => Path.Combine(Root, FileStorageStore.TempDirectoryName);

    protected override StorageOptions CreateOptions() => new() { Directory = Root };

    [Fact]
    public async Task Buckets_and_objects_survive_a_restart()
    {
        await Client.CreateBucket("b");
        await Client.CreateBucket("empty");
        var content = new byte[150_000];
        new Random(3).NextBytes(content);
        await Client.Upload("b", "o", content.Chunk(40_000).ToArray());

        await RestartAsync();

        Assert.Equal(content, await Client.Read("b", "o"));
        await RpcAssert.Status(StatusCode.AlreadyExists, () => Client.CreateBucket("empty"));
        await Client.DeleteBucket("empty");
        await RpcAssert.Status(StatusCode.FailedPrecondition, () => Client.DeleteBucket("b"));
    }

    [Fact]
    public async Task Objects_are_stored_as_plain_files_under_their_bucket()
    {
        await Client.CreateBucket("b");
        await Client.Upload("b", "o", "plain bytes");

        Assert.Equal("plain bytes", await File.ReadAllTextAsync(Path.Combine(Root, FileStorageStore.BucketsDirectoryName, "b", "o"), Ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TempDirectory));
    }

    [Fact]
    public async Task Leftover_partial_uploads_are_removed_at_start_up()
    {
        await Client.CreateBucket("b");
        await Client.Upload("b", "o", "kept");

        await RestartAsync(() => File.WriteAllText(Path.Combine(TempDirectory, "0123" + FileStorageStore.UploadExtension), "partial"));

        Assert.Equal(1, Server.Services.GetRequiredService<FileStorageStore>().LeftoversRemoved);
        Assert.Empty(Directory.EnumerateFileSystemEntries(TempDirectory));
        Assert.Equal("kept", await Client.ReadText("b", "o"));
    }

    [Fact]
    public async Task A_cancelled_upload_removes_its_temporary_file()
    {
        await Client.CreateBucket("b");
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            using var call = Client.UploadObject(cancellationToken: cancel.Token);
            await call.RequestStream.WriteAsync(new UploadObjectRequest { Bucket = "b", Object = "o", Content = ByteString.CopyFrom(new byte[10_000]) }, Ct);
            await RpcAssert.Eventually(() => Directory.EnumerateFileSystemEntries(TempDirectory).Any(), TimeSpan.FromSeconds(10), "the upload's temp file");
            await cancel.CancelAsync();
            await RpcAssert.Status(StatusCode.Cancelled, () => call.ResponseAsync);
        }

        await RpcAssert.Eventually(() => !Directory.EnumerateFileSystemEntries(TempDirectory).Any(), TimeSpan.FromSeconds(10), "the temp file to be removed");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, FileStorageStore.BucketsDirectoryName, "b")));
    }
}
