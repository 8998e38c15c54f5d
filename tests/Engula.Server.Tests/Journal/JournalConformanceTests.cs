using Engula.Protocol.Journal;
using Engula.Server.Journal;
using Engula.Server.Tests.Infrastructure;
using Engula.Server.Tests.Wire;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using JournalClient = Engula.Protocol.Journal.Journal.JournalClient;

namespace Engula.Server.Tests.Journal;

/// <summary>
/// The journal contract (journal.proto, with the fixes listed in README.md, "What is fixed relative to the original"), run against every mode through real gRPC over
/// loopback: <see cref="JournalMemModeTests"/> and <see cref="JournalFileModeTests"/>.
/// </summary>
public abstract class JournalConformanceTests : ServerSuite
{
    protected JournalClient Client => new(Server.Channel);

    protected abstract JournalOptions CreateOptions();

    protected override WebApplication BuildServer() => JournalServer.Build(Loopback.AnyPort(), CreateOptions());

    [Fact]
    public async Task Create_twice_is_already_exists_and_delete_of_missing_is_not_found()
    {
        await Client.Create("s");
        await RpcAssert.Status(StatusCode.AlreadyExists, () => Client.Create("s"));
        await Client.Delete("s");
        await RpcAssert.Status(StatusCode.NotFound, () => Client.Delete("s"));
    }

    [Fact]
    public async Task Calls_on_an_unknown_stream_are_not_found()
    {
        await RpcAssert.Status(StatusCode.NotFound, () => Client.Append("nope", 1, "x"));
        await RpcAssert.Status(StatusCode.NotFound, () => Client.Release("nope", 1));
        await RpcAssert.Status(StatusCode.NotFound, () => Client.ReadMessages("nope", 0));
    }

    [Fact]
    public async Task Events_are_read_back_in_order_from_an_inclusive_timestamp()
    {
        await Client.Create("s");
        foreach (var ts in new ulong[] { 1, 2, 5, 9, 10 })
        {
            await Client.Append("s", ts, $"e{ts}");
        }

        Assert.Equal([(1UL, "e1"), (2UL, "e2"), (5UL, "e5"), (9UL, "e9"), (10UL, "e10")], await Client.Read("s", 0));
        Assert.Equal([(5UL, "e5"), (9UL, "e9"), (10UL, "e10")], await Client.Read("s", 5));
        Assert.Equal([(9UL, "e9"), (10UL, "e10")], await Client.Read("s", 6));
        Assert.Equal([(10UL, "e10")], await Client.Read("s", 10));
    }

    [Fact]
    public async Task Reading_past_the_last_event_or_an_empty_stream_sends_no_message()
    {
        await Client.Create("s");
        Assert.Empty(await Client.ReadMessages("s", 0));
        await Client.Append("s", 3, "x");
        Assert.Empty(await Client.ReadMessages("s", 4));
        Assert.Empty(await Client.ReadMessages("s", ulong.MaxValue));
    }

    [Fact]
    public async Task Empty_payloads_and_extreme_timestamps_round_trip()
    {
        await Client.Create("s");
        await Client.Append("s", 0, ByteString.Empty);
        await Client.Append("s", ulong.MaxValue - 1, "x");
        await Client.Append("s", ulong.MaxValue, ByteString.Empty);

        Assert.Equal([(0UL, ""), (ulong.MaxValue - 1, "x"), (ulong.MaxValue, "")], await Client.Read("s", 0));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Append("s", ulong.MaxValue, "y"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(9)]
    public async Task A_timestamp_that_is_not_8_bytes_is_invalid_argument(int length)
    {
        await Client.Create("s");
        var ts = ByteString.CopyFrom(new byte[length]);
        var ct = TestContext.Current.CancellationToken;

        var append = await RpcAssert.Status(StatusCode.InvalidArgument, async () => await Client.AppendEventAsync(new AppendEventRequest { Stream = "s", Ts = ts, Data = JournalCalls.Data("x") }, cancellationToken: ct));
        Assert.Contains("8 bytes", append.Status.Detail, StringComparison.Ordinal);
        await RpcAssert.Status(StatusCode.InvalidArgument, async () => await Client.ReleaseEventsAsync(new ReleaseEventsRequest { Stream = "s", Ts = ts }, cancellationToken: ct));
        await RpcAssert.Status(StatusCode.InvalidArgument, async () =>
        {
            using var call = Client.ReadEvents(new ReadEventsRequest { Stream = "s", Ts = ts }, cancellationToken: ct);
            await call.ResponseStream.MoveNext(ct);
        });

        // The server still answers, and nothing was stored.
        await Client.Append("s", 1, "ok");
        Assert.Equal([(1UL, "ok")], await Client.Read("s", 0));
    }

    [Fact]
    public async Task A_timestamp_that_does_not_increase_is_invalid_argument()
    {
        await Client.Create("s");
        await Client.Append("s", 10, "a");

        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Append("s", 10, "dup"));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Append("s", 9, "lower"));
        await Client.Append("s", 11, "b");

        Assert.Equal([(10UL, "a"), (11UL, "b")], await Client.Read("s", 0));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a\\b")]
    [InlineData("a\0b")]
    [InlineData("/abs")]
    public async Task Path_like_stream_names_are_invalid_argument(string name)
    {
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Create(name));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Delete(name));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Append(name, 1, "x"));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Release(name, 1));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.ReadMessages(name, 0));

        await Client.Create("fine");
        await Client.Append("fine", 1, "x");
        Assert.Single(await Client.Read("fine", 0));
    }

    [Fact]
    public async Task A_name_longer_than_255_bytes_is_invalid_argument_but_unusual_characters_are_fine()
    {
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Create(new string('x', 256)));
        foreach (var name in new[] { new string('x', 255), "...", ".hidden", "tmp", "streams", "with space", "ünïcødé", "00000000000000000001.active" })
        {
            await Client.Create(name);
            await Client.Append(name, 1, name);
            Assert.Equal([(1UL, name)], await Client.Read(name, 0));
        }
    }

    [Fact]
    public async Task Streams_are_independent()
    {
        await Client.Create("a");
        await Client.Create("b");
        await Client.Append("a", 5, "a5");
        await Client.Append("b", 1, "b1");
        await Client.Append("b", 2, "b2");

        Assert.Equal([(5UL, "a5")], await Client.Read("a", 0));
        Assert.Equal([(1UL, "b1"), (2UL, "b2")], await Client.Read("b", 0));
    }

    [Fact]
    public async Task Released_events_are_not_returned_from_the_release_bound()
    {
        await Client.Create("s");
        for (ulong ts = 1; ts <= 20; ts++)
        {
            await Client.Append("s", ts, $"e{ts}");
        }

        await Client.Release("s", 12);

        var fromBound = await Client.Read("s", 12);
        Assert.Equal(Enumerable.Range(12, 9).Select(i => ((ulong)i, $"e{i}")), fromBound);

        // Below the bound a mode may still hold unreleased leftovers, but only a contiguous, ordered prefix of them.
        var all = await Client.Read("s", 0);
        Assert.Equal(all.OrderBy(e => e.Ts), all);
        Assert.EndsWith(string.Join(",", fromBound), string.Join(",", all), StringComparison.Ordinal);
        Assert.All(all, e => Assert.Equal($"e{e.Ts}", e.Data));
    }

    [Fact]
    public async Task Timestamps_stay_increasing_after_everything_is_released()
    {
        await Client.Create("s");
        for (ulong ts = 1; ts <= 5; ts++)
        {
            await Client.Append("s", ts, "x");
        }

        await Client.Release("s", 1000);

        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Append("s", 3, "again"));
        await RpcAssert.Status(StatusCode.InvalidArgument, () => Client.Append("s", 5, "again"));
        await Client.Append("s", 6, "next");
        Assert.Contains((6UL, "next"), await Client.Read("s", 0));
    }

    [Fact]
    public async Task Deleted_and_recreated_stream_starts_empty()
    {
        await Client.Create("s");
        await Client.Append("s", 7, "old");
        await Client.Delete("s");
        await RpcAssert.Status(StatusCode.NotFound, () => Client.Append("s", 8, "x"));

        await Client.Create("s");
        Assert.Empty(await Client.ReadMessages("s", 0));
        await Client.Append("s", 1, "new");
        Assert.Equal([(1UL, "new")], await Client.Read("s", 0));
    }

    [Fact]
    public async Task A_big_event_travels_alone_and_many_events_are_batched_within_1_MiB()
    {
        const int mib = JournalService.MaxReadBatchBytes;
        await Client.Create("s");
        var big = new byte[mib + 12345];
        Random.Shared.NextBytes(big);
        await Client.Append("s", 1, "small-before");
        await Client.Append("s", 2, ByteString.CopyFrom(big));
        var payload = new string('p', 100 * 1024);
        for (ulong ts = 3; ts < 40; ts++)
        {
            await Client.Append("s", ts, $"{ts:D4}{payload}");
        }

        var messages = await Client.ReadMessages("s", 0);

        var events = messages.SelectMany(m => m.Events).ToList();
        Assert.Equal(Enumerable.Range(1, 39).Select(i => (ulong)i), events.Select(e => JournalCalls.Ts(e.Ts)));
        Assert.Equal(big, events[1].Data.ToByteArray());
        Assert.All(events.Skip(2), e => Assert.Equal($"{JournalCalls.Ts(e.Ts):D4}{payload}", e.Data.ToStringUtf8()));
        Assert.True(messages.Count >= 5, $"expected several messages, got {messages.Count}");
        foreach (var message in messages)
        {
            Assert.NotEmpty(message.Events);
            var bytes = message.Events.Sum(e => (long)e.Ts.Length + e.Data.Length);
            Assert.True(message.Events.Count == 1 || bytes <= mib, $"message of {message.Events.Count} events carries {bytes} bytes");
        }

        Assert.Single(messages.Single(m => m.Events.Any(e => JournalCalls.Ts(e.Ts) == 2)).Events);
    }

    [Fact]
    public async Task A_read_is_a_snapshot_of_the_events_acknowledged_when_it_started()
    {
        var ct = TestContext.Current.CancellationToken;
        await Client.Create("s");
        var payload = ByteString.CopyFrom(new byte[700 * 1024]);
        for (ulong ts = 1; ts <= 4; ts++)
        {
            await Client.Append("s", ts, payload);
        }

        using var call = Client.ReadEvents(new ReadEventsRequest { Stream = "s", Ts = JournalCalls.Ts(0) }, cancellationToken: ct);
        Assert.True(await call.ResponseStream.MoveNext(ct));
        var seen = call.ResponseStream.Current.Events.Select(e => JournalCalls.Ts(e.Ts)).ToList();

        // Appended while the read is under way: not part of it.
        await Client.Append("s", 5, "late");
        while (await call.ResponseStream.MoveNext(ct))
        {
            seen.AddRange(call.ResponseStream.Current.Events.Select(e => JournalCalls.Ts(e.Ts)));
        }

        Assert.Equal([1UL, 2, 3, 4], seen);
        Assert.Equal(5UL, (await Client.Read("s", 5)).Single().Ts);
    }

    [Fact]
    public async Task Concurrent_appends_to_own_streams_all_land_exactly_once()
    {
        const int tasks = 32;
        const int perTask = 15;
        for (var t = 0; t < tasks; t++)
        {
            await Client.Create($"own-{t}");
        }

        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            for (ulong i = 1; i <= perTask; i++)
            {
                await Client.Append($"own-{t}", i * 10, $"{t}:{i}");
            }
        })));

        for (var t = 0; t < tasks; t++)
        {
            Assert.Equal(Enumerable.Range(1, perTask).Select(i => ((ulong)i * 10, $"{t}:{i}")), await Client.Read($"own-{t}", 0));
        }
    }

    [Fact]
    public async Task Concurrent_appends_to_one_stream_land_exactly_once_in_timestamp_order()
    {
        var (rejected, expected) = await AppendConcurrentlyToOneStream("shared", tasks: 32, perTask: 10);

        var events = await Client.Read("shared", 0);
        Assert.Equal(expected.Count, events.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), events.Select(e => e.Data).Order(StringComparer.Ordinal));
        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i].Ts > events[i - 1].Ts, $"ts {events[i].Ts} after {events[i - 1].Ts}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{expected.Count} appends, {rejected} reordered attempts rejected and retried");
    }

    /// <summary>
    /// Appends from many tasks to one stream. Timestamps are handed out under a lock, but the calls themselves race, so
    /// one may reach the server after a later one was already written: the journal then rejects it (INVALID_ARGUMENT,
    /// nothing stored) and the task retries with a fresh timestamp, as a real writer would.
    /// </summary>
    protected async Task<(int Rejected, List<string> Payloads)> AppendConcurrentlyToOneStream(string stream, int tasks, int perTask)
    {
        await Client.Create(stream);
        var gate = new Lock();
        ulong next = 0;
        var rejected = 0;
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < perTask; i++)
            {
                while (true)
                {
                    ulong ts;
                    lock (gate)
                    {
                        ts = ++next;
                    }

                    try
                    {
                        await Client.Append(stream, ts, $"{t}:{i}");
                        break;
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
                    {
                        Interlocked.Increment(ref rejected);
                    }
                }
            }
        })));

        return (rejected, Enumerable.Range(0, tasks).SelectMany(t => Enumerable.Range(0, perTask).Select(i => $"{t}:{i}")).ToList());
    }

    [Fact]
    public async Task Deleting_a_stream_during_appends_fails_them_cleanly_and_the_server_goes_on()
    {
        await Client.Create("victim");
        var gate = new Lock();
        ulong next = 0;
        var statuses = new System.Collections.Concurrent.ConcurrentBag<StatusCode>();
        var firstAppended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var appenders = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                ulong ts;
                lock (gate)
                {
                    ts = ++next;
                }

                try
                {
                    await Client.Append("victim", ts, new string('v', 512));
                    statuses.Add(StatusCode.OK);
                    firstAppended.TrySetResult();
                }
                catch (RpcException e)
                {
                    statuses.Add(e.StatusCode);
                }
            }
        })).ToList();

        await firstAppended.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await Client.Delete("victim");
        await Task.WhenAll(appenders);

        // Reordered racing appends may be rejected (INVALID_ARGUMENT); nothing else but success or NOT_FOUND.
        Assert.All(statuses, s => Assert.Contains(s, new[] { StatusCode.OK, StatusCode.NotFound, StatusCode.InvalidArgument }));
        Assert.Contains(StatusCode.OK, statuses);
        await RpcAssert.Status(StatusCode.NotFound, () => Client.Append("victim", ulong.MaxValue, "x"));

        await Client.Create("victim");
        Assert.Empty(await Client.ReadMessages("victim", 0));
        await Client.Append("victim", 1, "reborn");
        Assert.Equal([(1UL, "reborn")], await Client.Read("victim", 0));
    }
}
