using Engula.Protocol.Storage;
using Google.Protobuf;

namespace Engula.Server.Tests.Wire;

/// <summary>
/// storage.proto messages against bytes computed by hand from the field numbers of the original v0.2 protocol. Tags of
/// length-delimited fields: <c>field_number &lt;&lt; 3 | 2</c> → field 1 0x0A, field 2 0x12, field 3 0x1A.
/// </summary>
public sealed class StorageWireGoldenTests
{
    // CreateBucketRequest{bucket="b"}: 0A (field 1) 01 (length) 62 ("b")
    private const string CreateBucketB = "0A 01 62";

    // UploadObjectRequest{bucket="b", object="1", content=DE AD BE EF}
    //   0A 01 62            field 1 bucket "b"
    //   12 01 31            field 2 object "1"
    //   1A 04 DE AD BE EF   field 3 content, 4 bytes
    private const string UploadFirstMessage = "0A 01 62 12 01 31 1A 04 DE AD BE EF";

    // UploadObjectRequest{content="hi"} (a later message without names): 1A 02 68 69
    private const string UploadContentOnly = "1A 02 68 69";

    // DeleteObjectRequest{bucket="b", object="1"}: 0A 01 62 12 01 31
    private const string DeleteObjectB1 = "0A 01 62 12 01 31";

    // ReadObjectRequest{bucket="bkt", object="obj"}: 0A 03 62 6B 74 12 03 6F 62 6A
    private const string ReadObjectBktObj = "0A 03 62 6B 74 12 03 6F 62 6A";

    // ReadObjectResponse{content=300 × 0x5A}
    //   0A      field 1 content
    //   AC 02   varint 300: 300 = 0b10_0101100 → low 7 bits 0x2C | 0x80 = 0xAC, then 300 >> 7 = 0x02
    //   5A × 300
    private static readonly string ReadObjectResponse300 = "0A AC 02 " + string.Concat(Enumerable.Repeat("5A", 300));

    public static TheoryData<string, IMessage> Samples() => new()
    {
        { CreateBucketB, new CreateBucketRequest { Bucket = "b" } },
        { CreateBucketB, new DeleteBucketRequest { Bucket = "b" } },
        { UploadFirstMessage, new UploadObjectRequest { Bucket = "b", Object = "1", Content = ByteString.CopyFrom(0xDE, 0xAD, 0xBE, 0xEF) } },
        { UploadContentOnly, new UploadObjectRequest { Content = ByteString.CopyFromUtf8("hi") } },
        { DeleteObjectB1, new DeleteObjectRequest { Bucket = "b", Object = "1" } },
        { ReadObjectBktObj, new ReadObjectRequest { Bucket = "bkt", Object = "obj" } },
        { ReadObjectResponse300, new ReadObjectResponse { Content = ByteString.CopyFrom(Enumerable.Repeat((byte)0x5A, 300).ToArray()) } },
        { string.Empty, new UploadObjectResponse() },
        { string.Empty, new ReadObjectResponse() },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Messages_serialise_to_the_hand_computed_bytes(string expectedHex, IMessage message)
    {
        Assert.Equal(Hex.Parse(expectedHex), message.ToByteArray());
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_hand_computed_bytes_parse_back_to_the_message(string hex, IMessage message)
    {
        Assert.Equal(message, message.Descriptor.Parser.ParseFrom(Hex.Parse(hex)));
    }

    [Fact]
    public void The_service_has_the_original_package_names_and_streaming_shapes()
    {
        var service = Assert.Single(StorageReflection.Descriptor.Services);
        Assert.Equal("engula.storage.v1.Storage", service.FullName);
        Assert.Equal(
            ["CreateBucket:unary", "DeleteBucket:unary", "UploadObject:client-streaming", "DeleteObject:unary", "ReadObject:server-streaming"],
            service.Methods.Select(m => $"{m.Name}:{(m.IsServerStreaming ? "server-streaming" : m.IsClientStreaming ? "client-streaming" : "unary")}"));
        Assert.Equal("engula.storage.v1.UploadObjectRequest", UploadObjectRequest.Descriptor.FullName);
    }
}
