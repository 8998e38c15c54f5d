using Engula.Server.Journal;
using Engula.Server.Storage;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Wire;

/// <summary>
/// Hand-encoded requests sent to the real servers over h2c without a gRPC client, and their response bytes compared
/// with hand-computed ones: what a tonic (Rust) client would send and receive, byte for byte.
/// </summary>
public sealed class RawWireExchangeTests
{
    // An empty response message in a frame: flag 00, length 00 00 00 00.
    private static readonly byte[] EmptyResponseFrame = Hex.Parse("00 00 00 00 00");

    private static void AssertAnswer(byte[] expectedBody, int expectedStatus, (byte[] Body, int Status) actual)
    {
        Assert.Equal(expectedStatus, actual.Status);
        Assert.Equal(expectedBody, actual.Body);
    }

    [Fact]
    public async Task Journal_answers_hand_encoded_calls_with_the_expected_bytes()
    {
        await using var server = await RunningServer.StartAsync(JournalServer.Build(Loopback.AnyPort(), new JournalOptions()), TestContext.Current.CancellationToken);
        const string service = "/engula.journal.v1.Journal/";

        // CreateStreamRequest{stream="DEFAULT"}
        AssertAnswer(EmptyResponseFrame, 0, await RawGrpc.CallAsync(server.Address, service + "CreateStream", Hex.Parse("0A 07 44 45 46 41 55 4C 54")));

        // AppendEventRequest{stream="DEFAULT", ts=1, data="x"} and {stream="DEFAULT", ts=2} (empty data omitted)
        Assert.Equal(0, (await RawGrpc.CallAsync(server.Address, service + "AppendEvent", Hex.Parse("0A 07 44 45 46 41 55 4C 54 12 08 00 00 00 00 00 00 00 01 1A 01 78"))).Status);
        Assert.Equal(0, (await RawGrpc.CallAsync(server.Address, service + "AppendEvent", Hex.Parse("0A 07 44 45 46 41 55 4C 54 12 08 00 00 00 00 00 00 00 02"))).Status);

        // ReadEventsRequest{stream="DEFAULT", ts=0} → one frame holding ReadEventsResponse{[Event{1,"x"}, Event{2,""}]}:
        //   frame header 00 00 00 00 1B (27 bytes) then 0A 0D <Event 13 bytes> 0A 0A <Event 10 bytes>
        var read = await RawGrpc.CallAsync(server.Address, service + "ReadEvents", Hex.Parse("0A 07 44 45 46 41 55 4C 54 12 08 00 00 00 00 00 00 00 00"));
        Assert.Equal(0, read.Status);
        Assert.Equal(
            Hex.Parse("00 00 00 00 1B 0A 0D 0A 08 00 00 00 00 00 00 00 01 12 01 78 0A 0A 0A 08 00 00 00 00 00 00 00 02"),
            read.Body);

        // A 7-byte ts: INVALID_ARGUMENT (3), no message.
        var malformed = await RawGrpc.CallAsync(server.Address, service + "AppendEvent", Hex.Parse("0A 07 44 45 46 41 55 4C 54 12 07 00 00 00 00 00 00 03"));
        Assert.Equal((3, 0), (malformed.Status, malformed.Body.Length));

        // ReadEvents of an unknown stream "x": NOT_FOUND (5).
        Assert.Equal(5, (await RawGrpc.CallAsync(server.Address, service + "ReadEvents", Hex.Parse("0A 01 78 12 08 00 00 00 00 00 00 00 00"))).Status);
    }

    [Fact]
    public async Task Storage_answers_hand_encoded_calls_with_the_expected_bytes()
    {
        await using var server = await RunningServer.StartAsync(StorageServer.Build(Loopback.AnyPort(), new StorageOptions()), TestContext.Current.CancellationToken);
        const string service = "/engula.storage.v1.Storage/";

        // CreateBucketRequest{bucket="b"}
        AssertAnswer(EmptyResponseFrame, 0, await RawGrpc.CallAsync(server.Address, service + "CreateBucket", Hex.Parse("0A 01 62")));

        // UploadObject: {bucket="b", object="1", content=DE AD BE EF} then {content="hi"}
        AssertAnswer(EmptyResponseFrame, 0, await RawGrpc.CallAsync(server.Address, service + "UploadObject", Hex.Parse("0A 01 62 12 01 31 1A 04 DE AD BE EF"), Hex.Parse("1A 02 68 69")));

        // ReadObjectRequest{bucket="b", object="1"} → one frame: 00 00 00 00 08, then 0A 06 DE AD BE EF 68 69
        var read = await RawGrpc.CallAsync(server.Address, service + "ReadObject", Hex.Parse("0A 01 62 12 01 31"));
        AssertAnswer(Hex.Parse("00 00 00 00 08 0A 06 DE AD BE EF 68 69"), 0, read);

        // Same upload again: ALREADY_EXISTS (6). DeleteBucket of the non-empty bucket: FAILED_PRECONDITION (9).
        Assert.Equal(6, (await RawGrpc.CallAsync(server.Address, service + "UploadObject", Hex.Parse("0A 01 62 12 01 31 1A 01 00"))).Status);
        Assert.Equal(9, (await RawGrpc.CallAsync(server.Address, service + "DeleteBucket", Hex.Parse("0A 01 62"))).Status);

        // DeleteObjectRequest{bucket="b", object="1"}, then the bucket can go.
        AssertAnswer(EmptyResponseFrame, 0, await RawGrpc.CallAsync(server.Address, service + "DeleteObject", Hex.Parse("0A 01 62 12 01 31")));
        AssertAnswer(EmptyResponseFrame, 0, await RawGrpc.CallAsync(server.Address, service + "DeleteBucket", Hex.Parse("0A 01 62")));
    }
}
