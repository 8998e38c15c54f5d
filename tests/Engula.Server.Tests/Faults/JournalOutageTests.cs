using System.Net;
using Engula.Server.Tests.Crash;
using Engula.Server.Tests.Infrastructure;
using Engula.Tests.Shared.Polling;

namespace Engula.Server.Tests.Faults;

/// <summary>
/// The engine's writes across a journal that goes away and comes back — SIGKILL and restart, or SIGSTOP and SIGCONT —
/// with the real executable in file mode: puts wait instead of failing, an append whose outcome is unknown is resolved
/// against the journal (never guessed), waiting is bounded, gets keep being served, and health says what is going on.
/// </summary>
public sealed class JournalOutageTests
{
    private const int Clients = 8;
    private const int KeysPerClient = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>The outage the project promises to ride through: shorter than the write timeout (10 s by default).</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task No_put_fails_across_a_two_second_journal_restart_under_load()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var cluster = new FileCluster(data.Path, flushThreshold: 16 * 1024);
        await cluster.StartAsync(ct);
        var writes = new AcknowledgedWrites();
        try
        {
            using (var load = new WriteLoad(cluster.Engine.Address, writes, Clients, KeysPerClient, round: 0))
            {
                await writes.WaitForAcknowledgedAsync(300, Timeout, ct);
                await cluster.Journal.KillAsync();
                var acknowledgedAtKill = writes.AcknowledgedCount;

                // The outage itself: the journal stays dead this long (a fault's length, not a wait for anything).
                await Task.Delay(Outage, ct);
                cluster.Journal.Start();
                await cluster.Journal.WaitForServingAsync(Timeout, ct);
                await writes.WaitForAcknowledgedAsync(acknowledgedAtKill + 300, Timeout, ct);
                await load.StopAsync();
                Assert.True(load.Failures.Count == 0, $"puts failed across the journal restart: {load.DescribeFailures()}\n{cluster.Diagnostics()}");
            }

            await RestartEverythingAndAssertNothingLostAsync(cluster, writes, ct);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
        }
    }

    [Fact]
    public async Task Puts_wait_through_a_three_second_journal_stall_and_gets_are_served_meanwhile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var cluster = new FileCluster(data.Path);
        await cluster.StartAsync(ct);
        using var http = Client(cluster);
        try
        {
            await PutAsync(http, "before", "1", ct);
            await cluster.Journal.SignalAsync("STOP");
            var puts = Enumerable.Range(0, 8).Select(i => http.GetAsync($"/put?key=stalled{i}&value=v{i}", ct)).ToList();

            // The journal is hung, not dead: gets are still answered from memory, and no put has been answered.
            var get = await http.GetAsync("/get?key=before", ct);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("1", await get.Content.ReadAsStringAsync(ct));
            Assert.DoesNotContain(puts, p => p.IsCompleted);

            await Task.Delay(TimeSpan.FromSeconds(3), ct); // the stall's length
            await cluster.Journal.SignalAsync("CONT");
            foreach (var (put, i) in puts.Select((p, i) => (p, i)))
            {
                var response = await put;
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"put {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }

            for (var i = 0; i < 8; i++)
            {
                Assert.Equal($"v{i}", await http.GetStringAsync($"/get?key=stalled{i}", ct));
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
        }
    }

    /// <summary>
    /// With a write timeout shorter than the stall, the put in flight is answered "outcome unknown" and the one queued
    /// behind it "not applied". The first is then settled before anything else commits — the engine resends it, so it
    /// ends up applied — and the second never appears, in the live engine or after a restart of everything.
    /// </summary>
    [Fact]
    public async Task A_put_whose_outcome_is_unknown_is_resolved_and_a_put_not_applied_never_appears()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var cluster = new FileCluster(data.Path, engineArguments: ["--write-timeout", "2"]);
        await cluster.StartAsync(ct);
        using var http = Client(cluster);
        try
        {
            await PutAsync(http, "k", "old", ct);
            await cluster.Journal.SignalAsync("STOP");
            var inFlight = http.GetAsync("/put?key=k&value=new", ct);
            await cluster.Engine.WaitForOutputAsync("has an unknown outcome", Timeout, ct);
            var queued = await http.GetAsync("/put?key=q&value=never", ct);
            var unknown = await inFlight;

            Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.StatusCode);
            Assert.StartsWith("outcome unknown:", await unknown.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, queued.StatusCode);
            Assert.StartsWith("not applied:", await queued.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            // Writes cannot be made durable: health says so, with the reason, while gets are still served.
            var health = await http.GetAsync("/health", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal("old", await http.GetStringAsync("/get?key=k", ct));

            await cluster.Journal.SignalAsync("CONT");
            await cluster.Engine.WaitForOutputAsync("resolved: in the journal", Timeout, ct);

            // Once settled, the unknown put is applied (it was resent, or found in the journal) and the engine is ready
            // again by itself — no further write needed.
            await cluster.Engine.WaitForHttpHealthyAsync(Timeout, ct);
            Assert.Equal("new", await http.GetStringAsync("/get?key=k", ct));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/get?key=q", ct)).StatusCode);

            // The live state equals what a replay of the journal gives.
            await cluster.KillAllAndStartAsync(ct);
            Assert.Equal("new", await http.GetStringAsync("/get?key=k", ct));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/get?key=q", ct)).StatusCode);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
        }
    }

    [Fact]
    public async Task Past_the_bound_on_waiting_writes_a_put_is_refused_at_once_with_Retry_After()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var cluster = new FileCluster(data.Path, engineArguments: ["--max-waiting-writes", "4", "--write-timeout", "60"]);
        await cluster.StartAsync(ct);
        using var http = Client(cluster);
        try
        {
            await PutAsync(http, "warm", "up", ct);
            await cluster.Journal.SignalAsync("STOP");

            // One put goes into a batch (in flight to the hung journal), four may wait behind it, the rest are refused.
            // Each put is sent once the engine has placed the one before — in flight, waiting or refused, which its
            // gauges and its overloaded counter show — so the order of arrival is the order of sending.
            var waiting = new List<Task<HttpResponseMessage>>();
            var refused = new List<HttpResponseMessage>();
            var placed = await WriteStateAsync(http, ct);
            Assert.Equal(0, placed.InFlight + placed.Waiting);
            for (var i = 0; i <= 12; i++)
            {
                var before = placed;
                var put = http.GetAsync($"/put?key=w{i}&value=v", ct);
                await Poll.UntilAsync($"the engine places put {i}", async token =>
                {
                    placed = await WriteStateAsync(http, token);
                    return (placed.Placed == before.Placed + 1, placed.ToString());
                }, Timeout, TimeSpan.FromMilliseconds(20), ct);
                if (placed.Overloaded > before.Overloaded)
                {
                    refused.Add(await put);
                }
                else
                {
                    Assert.False(put.IsCompleted, $"put {i} was placed in the engine's queue but answered at once");
                    waiting.Add(put);
                }
            }

            Assert.NotEmpty(refused);
            foreach (var response in refused)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.StartsWith("overloaded:", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After missing");
            }

            // The in-flight batch and the four the bound lets wait.
            Assert.Equal(5, waiting.Count);

            await cluster.Journal.SignalAsync("CONT");
            foreach (var put in waiting)
            {
                Assert.Equal(HttpStatusCode.OK, (await put).StatusCode);
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
        }
    }

    /// <summary>The engine's writes as its <c>/metrics</c> show them: in the batch sent to the journal, queued, refused as overloaded.</summary>
    private sealed record WriteState(long InFlight, long Waiting, long Overloaded)
    {
        /// <summary>Every write the engine has taken a decision on since it started and not yet answered otherwise.</summary>
        public long Placed => InFlight + Waiting + Overloaded;
    }

    private static async Task<WriteState> WriteStateAsync(HttpClient http, CancellationToken ct)
    {
        string text = await http.GetStringAsync("/metrics", ct);
        return new WriteState(
            Sample(text, "engula_engine_writes_in_flight", null),
            Sample(text, "engula_engine_writes_waiting", null),
            Sample(text, "engula_engine_write_failures_total", "outcome=\"overloaded\""));
    }

    /// <summary>The value of <paramref name="name"/> in Prometheus text (0 when absent), on the line with <paramref name="label"/> if given.</summary>
    private static long Sample(string text, string name, string? label)
    {
        foreach (string line in text.Split('\n'))
        {
            if ((line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
                && (label is null || line.Contains(label, StringComparison.Ordinal)))
            {
                return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static HttpClient Client(FileCluster cluster) =>
        new() { BaseAddress = new Uri($"http://{cluster.Engine.Address}"), Timeout = TimeSpan.FromSeconds(60) };

    private static async Task PutAsync(HttpClient http, string key, string value, CancellationToken ct)
    {
        var response = await http.GetAsync($"/put?key={key}&value={value}", ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"put {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task RestartEverythingAndAssertNothingLostAsync(FileCluster cluster, AcknowledgedWrites writes, CancellationToken ct)
    {
        await cluster.KillAllAndStartAsync(ct);
        using var http = Client(cluster);
        var read = new Dictionary<string, string?>();
        foreach (var key in writes.AllKeys)
        {
            var response = await http.GetAsync($"/get?key={Uri.EscapeDataString(key)}", ct);
            read[key] = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
        }

        var lost = writes.Lost(read);
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes lost:\n{string.Join("\n", lost.Take(20))}");
    }
}
