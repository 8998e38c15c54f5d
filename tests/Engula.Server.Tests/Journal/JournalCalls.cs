using System.Buffers.Binary;
using Engula.Protocol.Journal;
using Google.Protobuf;
using Grpc.Core;
using JournalClient = Engula.Protocol.Journal.Journal.JournalClient;

namespace Engula.Server.Tests.Journal;

/// <summary>Short forms of journal calls for the tests.</summary>
public static class JournalCalls
{
    public static ByteString Ts(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return ByteString.CopyFrom(bytes);
    }

    public static ulong Ts(ByteString value) => BinaryPrimitives.ReadUInt64BigEndian(value.Span);

    public static ByteString Data(string text) => ByteString.CopyFromUtf8(text);

    public static async Task Create(this JournalClient client, string stream) =>
        await client.CreateStreamAsync(new CreateStreamRequest { Stream = stream }, cancellationToken: TestContext.Current.CancellationToken);

    public static async Task Delete(this JournalClient client, string stream) =>
        await client.DeleteStreamAsync(new DeleteStreamRequest { Stream = stream }, cancellationToken: TestContext.Current.CancellationToken);

    public static async Task Append(this JournalClient client, string stream, ulong ts, ByteString data) =>
        await client.AppendEventAsync(new AppendEventRequest { Stream = stream, Ts = Ts(ts), Data = data }, cancellationToken: TestContext.Current.CancellationToken);

    public static Task Append(this JournalClient client, string stream, ulong ts, string data) => client.Append(stream, ts, Data(data));

    public static async Task Release(this JournalClient client, string stream, ulong ts) =>
        await client.ReleaseEventsAsync(new ReleaseEventsRequest { Stream = stream, Ts = Ts(ts) }, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Every response message of ReadEvents(stream, ts).</summary>
    public static async Task<List<ReadEventsResponse>> ReadMessages(this JournalClient client, string stream, ulong ts)
    {
        using var call = client.ReadEvents(new ReadEventsRequest { Stream = stream, Ts = Ts(ts) }, cancellationToken: TestContext.Current.CancellationToken);
        var messages = new List<ReadEventsResponse>();
        await foreach (var message in call.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>The events of ReadEvents(stream, ts) as (ts, data as text).</summary>
    public static async Task<List<(ulong Ts, string Data)>> Read(this JournalClient client, string stream, ulong ts) =>
        (await client.ReadMessages(stream, ts)).SelectMany(m => m.Events).Select(e => (Ts(e.Ts), e.Data.ToStringUtf8())).ToList();
}
