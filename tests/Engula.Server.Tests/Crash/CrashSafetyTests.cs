using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Crash;

/// <summary>
/// Durability with the real executable: journal, storage, kernel and engine as child processes in file
/// mode, concurrent clients writing through the engine's HTTP API, SIGKILL at a random moment (a random number of
/// acknowledged puts), restart, and every acknowledged put must read back with its last acknowledged value.
/// </summary>
public sealed class CrashSafetyTests
{
    private const int Clients = 8;
    private const int KeysPerClient = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("all")]
    [InlineData("journal")]
    [InlineData("storage")]
    [InlineData("kernel")]
    [InlineData("engine")]
    public async Task Every_acknowledged_put_survives_SIGKILL(string victim)
    {
        var ct = TestContext.Current.CancellationToken;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        using var data = new TempDirectory();
        await using var cluster = new FileCluster(data.Path, flushThreshold: 16 * 1024);
        await cluster.StartAsync(ct);
        var writes = new AcknowledgedWrites();
        var kills = 0;

        try
        {
            for (var round = 0; round < 2; round++)
            {
                using (var load = new WriteLoad(cluster.Engine.Address, writes, Clients, KeysPerClient, round))
                {
                    // Kill at a random moment: after a random number of further acknowledged puts.
                    await writes.WaitForAcknowledgedAsync(writes.AcknowledgedCount + random.Next(100, 1500), Timeout, ct);
                    foreach (var process in Victims(cluster, victim))
                    {
                        await process.KillAsync();
                        kills++;
                    }

                    foreach (var process in Victims(cluster, victim))
                    {
                        process.Start();
                    }

                    await cluster.Engine.WaitForHttpHealthyAsync(Timeout, ct);
                    foreach (var process in Victims(cluster, victim).Where(p => p != cluster.Engine))
                    {
                        await process.WaitForServingAsync(Timeout, ct);
                    }

                    // The cluster keeps taking writes after the restart, with no client restarted.
                    await writes.WaitForAcknowledgedAsync(writes.AcknowledgedCount + 200, Timeout, ct);
                    await load.StopAsync();
                }

                await AssertNothingLostAsync(cluster, writes, ct);
            }

            // Finally a SIGKILL of everything: what was acknowledged must be durable, not just in some process's memory.
            foreach (var process in cluster.All)
            {
                await process.KillAsync();
                kills++;
            }

            await cluster.StartAsync(ct);
            var lost = await AssertNothingLostAsync(cluster, writes, ct);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"victim={victim} seed={seed} kills={kills} acknowledged={writes.AcknowledgedCount} keys={writes.Keys} lost={lost}");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"seed {seed}: {e.Message}\n{cluster.Diagnostics()}", e);
        }
    }

    private static IEnumerable<EngulaProcess> Victims(FileCluster cluster, string victim) =>
        victim == "all" ? cluster.All : cluster.All.Where(p => p.Name == victim);

    private static async Task<int> AssertNothingLostAsync(FileCluster cluster, AcknowledgedWrites writes, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{cluster.Engine.Address}") };
        var read = new Dictionary<string, string?>();
        foreach (var key in writes.AllKeys)
        {
            var response = await http.GetAsync($"/get?key={Uri.EscapeDataString(key)}", ct);
            read[key] = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
        }

        var lost = writes.Lost(read);
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes lost:\n{string.Join("\n", lost.Take(20))}\n{cluster.Diagnostics()}");
        return lost.Count;
    }
}
