using Engula.Protocol.Journal;
using Google.Protobuf;

namespace Engula.Server.Tests.Wire;

/// <summary>
/// journal.proto messages against bytes computed by hand from the field numbers of the original v0.2 protocol. Every field here is a
/// length-delimited one (wire type 2), so its tag byte is <c>field_number &lt;&lt; 3 | 2</c>: field 1 → 0x0A,
/// field 2 → 0x12, field 3 → 0x1A; the tag is followed by the varint length and the bytes. proto3 omits empty
/// strings and bytes.
/// </summary>
public sealed class JournalWireGoldenTests
{
    private static ByteString Ts(ulong value) => Engula.Server.Tests.Journal.JournalCalls.Ts(value);

    // CreateStreamRequest{stream="DEFAULT"}
    //   0A            field 1 (stream), wire type 2
    //   07            length 7
    //   44 45 46 41 55 4C 54   "DEFAULT"
    private const string CreateStreamDefault = "0A 07 44 45 46 41 55 4C 54";

    // AppendEventRequest{stream="DEFAULT", ts=42 as u64 big-endian, data="abc"}
    //   0A 07 "DEFAULT"                   field 1
    //   12 08 00 00 00 00 00 00 00 2A     field 2 (ts): 8 bytes, 42 = 0x2A big-endian
    //   1A 03 61 62 63                    field 3 (data): "abc"
    private const string AppendDefault = "0A 07 44 45 46 41 55 4C 54 12 08 00 00 00 00 00 00 00 2A 1A 03 61 62 63";

    // ReleaseEventsRequest{stream="s", ts=256}
    //   0A 01 73                          field 1: "s"
    //   12 08 00 00 00 00 00 00 01 00     field 2: 256 = 0x0100 big-endian
    private const string ReleaseS256 = "0A 01 73 12 08 00 00 00 00 00 00 01 00";

    // ReadEventsRequest{stream="s", ts=0}: eight zero bytes are still a non-empty bytes field, so it is sent.
    private const string ReadS0 = "0A 01 73 12 08 00 00 00 00 00 00 00 00";

    // Event{ts=1, data="x"}: 0A 08 <ts> (10 bytes) + 12 01 78 (3 bytes) = 13 bytes
    private const string Event1X = "0A 08 00 00 00 00 00 00 00 01 12 01 78";

    // Event{ts=2, data=""}: data is empty and omitted: 10 bytes
    private const string Event2Empty = "0A 08 00 00 00 00 00 00 00 02";

    // ReadEventsResponse{events=[Event1X, Event2Empty]}: field 1, repeated message, one tag per element
    //   0A 0D <13 bytes of Event1X>
    //   0A 0A <10 bytes of Event2Empty>
    private const string ReadResponseTwoEvents = "0A 0D " + Event1X + " 0A 0A " + Event2Empty;

    public static TheoryData<string, IMessage> Samples() => new()
    {
        { CreateStreamDefault, new CreateStreamRequest { Stream = "DEFAULT" } },
        { "0A 07 44 45 46 41 55 4C 54", new DeleteStreamRequest { Stream = "DEFAULT" } },
        { AppendDefault, new AppendEventRequest { Stream = "DEFAULT", Ts = Ts(42), Data = ByteString.CopyFromUtf8("abc") } },
        { ReleaseS256, new ReleaseEventsRequest { Stream = "s", Ts = Ts(256) } },
        { ReadS0, new ReadEventsRequest { Stream = "s", Ts = Ts(0) } },
        { Event1X, new Event { Ts = Ts(1), Data = ByteString.CopyFromUtf8("x") } },
        { Event2Empty, new Event { Ts = Ts(2) } },
        { ReadResponseTwoEvents, new ReadEventsResponse { Events = { new Event { Ts = Ts(1), Data = ByteString.CopyFromUtf8("x") }, new Event { Ts = Ts(2) } } } },
        { string.Empty, new CreateStreamResponse() },
        { string.Empty, new AppendEventResponse() },
        { string.Empty, new ReadEventsResponse() },
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
        var parsed = message.Descriptor.Parser.ParseFrom(Hex.Parse(hex));
        Assert.Equal(message, parsed);
    }

    [Fact]
    public void A_big_event_uses_a_multi_byte_length()
    {
        // data of 200 bytes: length 200 = 0b1_1001000 → varint C8 01 (low 7 bits with the continuation bit, then 1)
        var message = new Event { Data = ByteString.CopyFrom(new byte[200]) };
        var bytes = message.ToByteArray();
        Assert.Equal(Hex.Parse("12 C8 01"), bytes[..3]);
        Assert.Equal(203, bytes.Length);
    }

    [Fact]
    public void The_service_has_the_original_package_names_and_streaming_shapes()
    {
        var service = Assert.Single(JournalReflection.Descriptor.Services);
        Assert.Equal("engula.journal.v1.Journal", service.FullName);
        Assert.Equal(
            ["CreateStream:unary", "DeleteStream:unary", "AppendEvent:unary", "ReleaseEvents:unary", "ReadEvents:server-streaming"],
            service.Methods.Select(m => $"{m.Name}:{(m.IsServerStreaming ? "server-streaming" : m.IsClientStreaming ? "client-streaming" : "unary")}"));
        Assert.Equal("engula.journal.v1.AppendEventRequest", AppendEventRequest.Descriptor.FullName);
        Assert.Equal("engula.journal.v1.Event", Event.Descriptor.FullName);
    }
}
