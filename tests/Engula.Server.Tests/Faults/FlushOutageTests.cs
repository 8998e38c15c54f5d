using System.Net;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Faults;

/// <summary>
/// The engine's flush across a storage or kernel restart (SIGKILL, back 2 s later): its upload and its
/// <c>ApplyUpdate</c> wait for the peer and then complete — no failed attempt, no health flap — and the table is
/// recorded exactly once.
/// </summary>
public sealed class FlushOutageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("storage")]
    [InlineData("kernel")]
    public async Task A_flush_waits_for_a_restarting_peer_and_completes_without_a_failed_attempt(string victim)
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        // The engine's channel states (subchannel connect, back-off, picks) go into the diagnostics of a failure: once, in
        // CI, a flush never reached the restarted storage and the engine had logged nothing about why.
        await using var cluster = new FileCluster(data.Path, flushThreshold: 16 * 1024,
            engineEnvironment: new Dictionary<string, string> { ["Logging__LogLevel__Grpc.Net.Client.Balancer"] = "Debug" });
        await cluster.StartAsync(ct);
        var peer = cluster.All.Single(p => p.Name == victim);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{cluster.Engine.Address}"), Timeout = Timeout };
        try
        {
            await peer.KillAsync();

            // Puts need only the journal; these fill the memtable past the flush threshold, so a flush starts while the
            // peer is down.
            var value = new string('v', 100);
            for (var i = 0; i < 300; i++)
            {
                var response = await http.GetAsync($"/put?key=k{i}&value={value}{i}", ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"put {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct); // the outage's length
            peer.Start();
            await cluster.Engine.WaitForOutputAsync("Flushed table", Timeout, ct);
            Assert.True(cluster.Engine.CountOutput("Flush failed") == 0, "a flush attempt failed:\n" + cluster.Diagnostics());

            await cluster.KillAllAndStartAsync(ct);
            for (var i = 0; i < 300; i += 37)
            {
                Assert.Equal($"{value}{i}", await http.GetStringAsync($"/get?key=k{i}", ct));
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
        }
    }
}
