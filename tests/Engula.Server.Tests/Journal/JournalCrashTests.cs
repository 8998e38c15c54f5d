using System.Collections.Concurrent;
using Engula.DiscoveryShim;
using Engula.Server.Tests.Infrastructure;
using Grpc.Core;
using JournalClient = Engula.Protocol.Journal.Journal.JournalClient;

namespace Engula.Server.Tests.Journal;

/// <summary>
/// The real <c>engula journal run --file</c> as a child process, killed with SIGKILL while concurrent appends are in
/// flight (with small segments, so rolls happen too) and restarted: every acknowledged event must be there, intact
/// and in order, and the streams must take appends again.
/// </summary>
public sealed class JournalCrashTests
{
    private const int Streams = 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Acknowledged_appends_survive_sigkill_during_concurrent_appends_and_rolls()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        var address = $"127.0.0.1:{FreePort.Next()}";
        string[] arguments = ["journal", "run", address, "--segment-size", "8192", "--file", directory.Path];
        var acknowledged = new ConcurrentDictionary<string, ConcurrentBag<ulong>>();
        var payload = new string('p', 300);

        await using (var journal = new EngulaProcess("journal", address, null, arguments))
        {
            journal.Start();
            await journal.WaitForServingAsync(Timeout, ct);
            using var channel = new EngulaChannelFactory().CreateChannel(address);
            var client = new JournalClient(channel);
            for (var s = 0; s < Streams; s++)
            {
                await client.Create($"s{s}");
                acknowledged[$"s{s}"] = [];
            }

            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long total = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var writers = Enumerable.Range(0, Streams).Select(s => Task.Run(async () =>
            {
                var stream = $"s{s}";
                for (ulong ts = 1; !stop.IsCancellationRequested; ts++)
                {
                    try
                    {
                        await client.AppendEventAsync(new() { Stream = stream, Ts = JournalCalls.Ts(ts), Data = JournalCalls.Data($"{stream}:{ts}:{payload}") }, cancellationToken: stop.Token);
                    }
                    catch (RpcException)
                    {
                        // The process is gone: the outcome of this append is unknown.
                        return;
                    }

                    acknowledged[stream].Add(ts);
                    if (Interlocked.Increment(ref total) == 400)
                    {
                        enough.TrySetResult();
                    }
                }
            })).ToList();

            await enough.Task.WaitAsync(Timeout, ct);
            await journal.KillAsync();
            await Task.WhenAll(writers).WaitAsync(Timeout, ct);
            await stop.CancelAsync();
        }

        await using var restarted = new EngulaProcess("journal", address, null, arguments);
        restarted.Start();
        await restarted.WaitForServingAsync(Timeout, ct);
        using var channel2 = new EngulaChannelFactory().CreateChannel(address);
        var reader = new JournalClient(channel2);
        for (var s = 0; s < Streams; s++)
        {
            var stream = $"s{s}";
            var events = await reader.Read(stream, 0);
            var acked = acknowledged[stream].Order().ToList();
            Assert.NotEmpty(acked);

            // Appends of one stream are sequential here, so the stream holds exactly 1..n, where n is the last
            // acknowledged timestamp or the one in flight at the kill.
            Assert.InRange(events.Count, acked.Count, acked.Count + 1);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (ulong)i), events.Select(e => e.Ts));
            Assert.All(events, e => Assert.Equal($"{stream}:{e.Ts}:{payload}", e.Data));

            var next = (ulong)events.Count + 1;
            await reader.Append(stream, next, "after restart");
            Assert.Equal((next, "after restart"), (await reader.Read(stream, next)).Single());
        }

        Assert.True(Directory.GetFiles(Path.Combine(directory.Path, "streams", "s0"), "*.sealed").Length > 0, "no segment rolled");
    }
}
