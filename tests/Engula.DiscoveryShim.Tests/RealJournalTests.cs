using System.Net;
using ARSoft.Tools.Net.Dns;
using Engula.DiscoveryShim.Tests.Infrastructure;
using Engula.Protocol.Journal;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.DiscoveryShim.Tests;

/// <summary>
/// The real <c>engula journal run … --mem</c> as a child process behind <c>dns:///</c>: SIGKILLed and restarted on
/// the same address, it is used again by the same channel, directly and through the sidecar.
/// </summary>
public sealed class RealJournalTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_SIGKILLed_journal_restarted_on_the_same_address_is_used_again_without_restarting_the_client()
    {
        await using var cluster = TestCluster.Create();
        var address = cluster.Backends[0].Address;
        cluster.List(0);
        using var channel = cluster.Factory().CreateChannel(cluster.DnsTarget);
        var journal = new Journal.JournalClient(channel);

        // The client exists and calls before the journal does (start order is irrelevant).
        var first = journal.CreateStreamAsync(new CreateStreamRequest { Stream = "DEFAULT" }, Options());
        using (var process = EngulaProcess.Start("journal", "run", $"{address}:{cluster.Port}", "--mem"))
        {
            await first.ResponseAsync;
            await journal.AppendEventAsync(new AppendEventRequest { Stream = "DEFAULT", Ts = Ts(1), Data = ByteString.CopyFromUtf8("a") }, Options());
            process.Kill();
        }

        Assert.True(cluster.Dns.Queries(TestCluster.ServiceName, RecordType.A) >= 1);
        var afterRestart = journal.CreateStreamAsync(new CreateStreamRequest { Stream = "DEFAULT" }, Options());
        using var restarted = EngulaProcess.Start("journal", "run", $"{address}:{cluster.Port}", "--mem");

        // A mem journal starts empty, so the stream is created anew — by the call that waited through the restart.
        await afterRestart.ResponseAsync;
        await journal.AppendEventAsync(new AppendEventRequest { Stream = "DEFAULT", Ts = Ts(2), Data = ByteString.CopyFromUtf8("b") }, Options());
        using var read = journal.ReadEvents(new ReadEventsRequest { Stream = "DEFAULT", Ts = Ts(0) }, Options());
        var events = new List<Event>();
        await foreach (var response in read.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            events.AddRange(response.Events);
        }

        Assert.Equal(["b"], events.Select(e => e.Data.ToStringUtf8()));
    }

    private static CallOptions Options() => EngulaCallOptions.WaitForReady(Wait, TestContext.Current.CancellationToken);

    private static ByteString Ts(ulong value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return ByteString.CopyFrom(bytes);
    }
}
