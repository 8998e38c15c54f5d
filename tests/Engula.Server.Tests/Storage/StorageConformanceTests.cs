using Engula.DiscoveryShim;
using Engula.Protocol.Storage;
using Engula.Server.Storage;
using Engula.Server.Tests.Infrastructure;
using Engula.Server.Tests.Wire;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using StorageClient = Engula.Protocol.Storage.Storage.StorageClient;

namespace Engula.Server.Tests.Storage;

/// <summary>
/// The storage contract (storage.proto, with the fixes listed in README.md, "What is fixed relative to the original"), run against every mode through real gRPC over
/// loopback: <see cref="StorageMemModeTests"/> and <see cref="StorageFileModeTests"/>.
/// </summary>
public abstract class StorageConformanceTests : ServerSuite
{
    protected StorageClient Client => new(Server.Channel);

    protected abstract StorageOptions CreateOptions();

    protected override WebApplication BuildServer() => StorageServer.Build(Loopback.AnyPort(), CreateOptions());

    /// <summary>Uploads and asserts the call's status (see <see cref="StorageCalls.Upload(StorageClient, string, string, byte[][])"/>).</summary>
    protected Task UploadExpectingStatus(StatusCode expected, string bucket, string name, params byte[][] parts) =>
        RpcAssert.Status(expected, () => Client.Upload(bucket, name, parts));

    [Fact]
    public async Task Creating_a_bucket_twice_is_already_exists()
    {
        await Client.CreateBucket("b");
        await RpcAssert.Status(StatusCode.AlreadyExists, () => Client.CreateBucket("b"));
    }

    [Fact]
    public async Task Deleting_a_missing_bucket_is_not_found_and_a_non_empty_one_failed_precondition()
    {
        await RpcAssert.Status(StatusCode.NotFound, () => Client.DeleteBucket("none"));

        await Client.CreateBucket("b");
        await Client.Upload("b", "o", "content");
        var error = await RpcAssert.Status(StatusCode.FailedPrecondition, () => Client.DeleteBucket("b"));
        Assert.Contains("not empty", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("content", await Client.ReadText("b", "o"));

        await Client.DeleteObject("b", "o");
        await Client.DeleteBucket("b");
        await RpcAssert.Status(StatusCode.NotFound, () => Client.DeleteBucket("b"));
        await Client.CreateBucket("b");
    }

    [Fact]
    public async Task An_object_uploaded_in_several_messages_reads_back_in_bounded_chunks()
    {
        await Client.CreateBucket("b");
        var content = new byte[300_000];
        new Random(7).NextBytes(content);
        int[] sizes = [1, 8191, 100_000, 0, 65_536, 126_272];
        var parts = sizes.Select((size, i) => content.AsSpan(sizes.Take(i).Sum(), size).ToArray()).ToArray();
        Assert.Equal(content.Length, parts.Sum(p => p.Length));

        await Client.Upload("b", "o", parts);

        var messages = await Client.ReadMessages("b", "o");
        Assert.Equal(content, messages.SelectMany(m => m.Content.ToByteArray()).ToArray());
        Assert.All(messages, m => Assert.InRange(m.Content.Length, 1, StorageService.ReadChunkBytes));
        Assert.Equal((content.Length + StorageService.ReadChunkBytes - 1) / StorageService.ReadChunkBytes, messages.Count);
    }

    [Fact]
    public async Task An_empty_object_exists_and_reads_as_no_message()
    {
        await Client.CreateBucket("b");
        await Client.Upload("b", "empty", new byte[][] { [] });

        Assert.Empty(await Client.ReadMessages("b", "empty"));
        await UploadExpectingStatus(StatusCode.AlreadyExists, "b", "empty", [1]);
        await Client.DeleteObject("b", "empty");
        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("b", "empty"));
    }

    [Fact]
    public async Task An_upload_of_zero_messages_succeeds_and_creates_nothing()
    {
        await Client.CreateBucket("b");
        using (var call = Client.UploadObject(cancellationToken: Ct))
        {
            await call.RequestStream.CompleteAsync();
            await call;
        }

        // The bucket is still empty.
        await Client.DeleteBucket("b");
    }

    [Fact]
    public async Task Bucket_and_object_come_from_the_first_message_only()
    {
        await Client.CreateBucket("b");
        using (var call = Client.UploadObject(cancellationToken: Ct))
        {
            await call.RequestStream.WriteAsync(new UploadObjectRequest { Bucket = "b", Object = "o", Content = ByteString.CopyFromUtf8("one,") }, Ct);
            await call.RequestStream.WriteAsync(new UploadObjectRequest { Bucket = "other", Object = "zzz", Content = ByteString.CopyFromUtf8("two,") }, Ct);
            await call.RequestStream.WriteAsync(new UploadObjectRequest { Content = ByteString.CopyFromUtf8("three") }, Ct);
            await call.RequestStream.CompleteAsync();
            await call;
        }

        Assert.Equal("one,two,three", await Client.ReadText("b", "o"));
        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("b", "zzz"));
        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("other", "zzz"));
    }

    [Fact]
    public async Task Uploading_into_a_missing_bucket_is_not_found()
    {
        await UploadExpectingStatus(StatusCode.NotFound, "none", "o", [1, 2, 3]);
        await RpcAssert.Status(StatusCode.NotFound, () => Client.DeleteBucket("none"));
    }

    [Fact]
    public async Task A_duplicate_upload_is_already_exists_and_leaves_the_object_unchanged()
    {
        await Client.CreateBucket("b");
        await Client.Upload("b", "o", "original");

        await UploadExpectingStatus(StatusCode.AlreadyExists, "b", "o", [.. "replacement"u8]);

        Assert.Equal("original", await Client.ReadText("b", "o"));
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_name_have_exactly_one_winner_whose_content_is_whole()
    {
        await Client.CreateBucket("b");
        var contents = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)('a' + i), 200_000).ToArray()).ToArray();
        var outcomes = await Task.WhenAll(contents.Select(content => Task.Run(async () =>
        {
            // Eight independent writers, each on its own connection. On one shared connection a loser's rejection
            // can end the others' calls: the client cancels the rest of the rejected upload, SocketsHttpHandler can
            // still send a DATA frame after its RST_STREAM, and Kestrel answers with GOAWAY STREAM_CLOSED for the
            // whole connection — transport behaviour of the HTTP/2 stacks, not the storage semantics tested here.
            using var channel = new EngulaChannelFactory().CreateChannel(Server.Address);
            try
            {
                await new StorageClient(channel).Upload("b", "race", content.Chunk(50_000).ToArray());
                return (Code: StatusCode.OK, Detail: string.Empty);
            }
            catch (RpcException e)
            {
                return (Code: e.StatusCode, e.Status.Detail);
            }
        })));

        Assert.Single(outcomes, o => o.Code == StatusCode.OK);
        Assert.All(outcomes, o => Assert.True(o.Code is StatusCode.OK or StatusCode.AlreadyExists, $"{o.Code}: {o.Detail}"));
        var stored = await Client.Read("b", "race");
        Assert.Contains(contents, c => c.AsSpan().SequenceEqual(stored));
    }

    [Fact]
    public async Task Deleting_or_reading_a_missing_object_or_bucket_is_not_found()
    {
        await RpcAssert.Status(StatusCode.NotFound, () => Client.DeleteObject("none", "o"));
        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("none", "o"));
        await Client.CreateBucket("b");
        var error = await RpcAssert.Status(StatusCode.NotFound, () => Client.DeleteObject("b", "o"));
        Assert.Contains("object", error.Status.Detail, StringComparison.Ordinal);
        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("b", "o"));

        await Client.Upload("b", "o", "x");
        await Client.DeleteObject("b", "o");
        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("b", "o"));
        await RpcAssert.Status(StatusCode.NotFound, () => Client.DeleteObject("b", "o"));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a\\b")]
    [InlineData("a\0b")]
    [InlineData("/etc")]
    public async Task Path_like_bucket_and_object_names_are_invalid_argument(string bad)
    {
        await Client.CreateBucket("b");
        await Client.Upload("b", "o", "x");

        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.CreateBucket(bad));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.DeleteBucket(bad));
        await UploadExpectingStatus(StatusCode.InvalidArgument, bad, "o", [1]);
        await UploadExpectingStatus(StatusCode.InvalidArgument, "b", bad, [1]);
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.DeleteObject(bad, "o"));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.DeleteObject("b", bad));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.ReadMessages(bad, "o"));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.ReadMessages("b", bad));

        // The server still answers and nothing changed.
        Assert.Equal("x", await Client.ReadText("b", "o"));
        await Client.CreateBucket("c");
    }

    [Fact]
    public async Task Unusual_but_safe_names_work()
    {
        foreach (var name in new[] { "...", ".hidden", "tmp", "buckets", "x.upload", "with space", "ünïcødé", new string('n', 255) })
        {
            await Client.CreateBucket(name);
            await Client.Upload(name, name, name);
            Assert.Equal(name, await Client.ReadText(name, name));
        }

        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.CreateBucket(new string('n', 256)));
    }

    [Fact]
    public async Task An_upload_is_invisible_until_the_client_completes_it()
    {
        await Client.CreateBucket("b");
        using var call = Client.UploadObject(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new UploadObjectRequest { Bucket = "b", Object = "o", Content = ByteString.CopyFromUtf8("first half,") }, Ct);

        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("b", "o"));

        await call.RequestStream.WriteAsync(new UploadObjectRequest { Content = ByteString.CopyFromUtf8("second half") }, Ct);
        await call.RequestStream.CompleteAsync();
        await call;
        Assert.Equal("first half,second half", await Client.ReadText("b", "o"));
    }

    [Fact]
    public async Task A_cancelled_upload_leaves_nothing_and_the_name_stays_free()
    {
        await Client.CreateBucket("b");
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            using var call = Client.UploadObject(cancellationToken: cancel.Token);
            await call.RequestStream.WriteAsync(new UploadObjectRequest { Bucket = "b", Object = "o", Content = ByteString.CopyFrom(new byte[100_000]) }, Ct);
            await cancel.CancelAsync();
            await RpcAssert.Status(StatusCode.Cancelled, () => call.ResponseAsync);
        }

        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("b", "o"));
        await Client.Upload("b", "o", "complete");
        Assert.Equal("complete", await Client.ReadText("b", "o"));
    }
}
