using System.Diagnostics.Metrics;
using Engula.Server.Journal;
using Engula.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Engula.Server.Tests.Journal;

/// <summary>
/// The journal conformance suite against <c>--file</c> with a small segment size (so the suite's bigger streams roll
/// across several segments), plus group commit. Crash-recovery cases are in <see cref="JournalFileRecoveryTests"/>.
/// </summary>
public sealed class JournalFileModeTests : JournalConformanceTests
{
    protected override JournalOptions CreateOptions() => new() { Directory = Scratch, SegmentSize = 256 * 1024 };

    [Fact]
    public async Task Concurrent_appends_to_one_stream_share_fsyncs()
    {
        var meterFactory = Server.Services.GetRequiredService<IMeterFactory>();
        long fsyncs = 0, events = 0, largestBatch = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Meter.Name == JournalMetrics.MeterName && instrument.Name == "engula.journal.fsync.batch_size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, batch, _, _) =>
        {
            Interlocked.Increment(ref fsyncs);
            Interlocked.Add(ref events, batch);
            long seen;
            while (batch > (seen = Interlocked.Read(ref largestBatch)) && Interlocked.CompareExchange(ref largestBatch, batch, seen) != seen)
            {
            }
        });
        listener.Start();

        var (_, payloads) = await AppendConcurrentlyToOneStream("group", tasks: 32, perTask: 20);

        listener.Dispose();
        TestContext.Current.TestOutputHelper?.WriteLine($"{payloads.Count} appends, {events} events in {fsyncs} fsyncs, largest batch {largestBatch}");
        Assert.True(events >= payloads.Count, $"{events} events counted for {payloads.Count} appends");
        Assert.True(largestBatch > 1, "no fsync ever covered more than one append");
        Assert.True(fsyncs < events, $"{fsyncs} fsyncs for {events} events");
        Assert.Equal(payloads.Count, (await Client.Read("group", 0)).Count);
    }

    [Fact]
    public async Task Streams_and_events_survive_a_restart()
    {
        await Client.Create("a");
        await Client.Create("b");
        var big = new string('x', 100 * 1024);
        for (ulong ts = 1; ts <= 8; ts++)
        {
            await Client.Append("a", ts, $"{ts}{big}");
        }

        await Client.Append("b", 42, "b");

        await RestartAsync();

        Assert.Equal(Enumerable.Range(1, 8).Select(i => ((ulong)i, $"{i}{big}")), await Client.Read("a", 0));
        Assert.Equal([(42UL, "b")], await Client.Read("b", 0));
        await Client.Append("a", 9, "nine");
        Assert.Equal((9UL, "nine"), (await Client.Read("a", 9)).Single());
    }
}
