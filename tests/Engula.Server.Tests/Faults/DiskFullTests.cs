using System.Diagnostics;
using System.Net;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Faults;

/// <summary>
/// A journal whose data directory fills up — a real, small tmpfs filled with a ballast file — refuses appends with
/// RESOURCE_EXHAUSTED, the engine answers 507 "not applied" with that reason, nothing acknowledged is lost, and writes
/// work again, without a restart, once the ballast is deleted. Needs root (mount), as the node tier does.
/// </summary>
public sealed class DiskFullTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_full_journal_disk_answers_507_loses_nothing_and_recovers_once_space_is_freed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var small = Path.Combine(data.Path, "small");
        Directory.CreateDirectory(small);
        await RunAsync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", small]);
        try
        {
            await using var cluster = new FileCluster(data.Path, journalDirectory: Path.Combine(small, "journal"));
            await cluster.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri($"http://{cluster.Engine.Address}"), Timeout = Timeout };
            var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                for (var i = 0; i < 20; i++)
                {
                    Assert.Equal(HttpStatusCode.NoContent, await PutAsync(http, $"before{i}", $"value-{i}", acknowledged, ct));
                }

                // Fill what is left of the file system.
                var ballast = Path.Combine(small, "ballast");
                await FillAsync(ballast);

                // The journal wrote zeros ahead of its records, so a few more puts may still fit; then 507.
                HttpResponseMessage? refused = null;
                var value = new string('x', 64 * 1024);
                for (var i = 0; i < 400 && refused is null; i++)
                {
                    using var content = new StringContent(value + i);
                    var response = await http.PutAsync($"/kv/full{i}", content, ct);
                    if (response.StatusCode == HttpStatusCode.NoContent)
                    {
                        acknowledged[$"full{i}"] = value + i;
                    }
                    else
                    {
                        refused = response;
                    }
                }

                Assert.NotNull(refused);
                var reason = await refused.Content.ReadAsStringAsync(ct);
                Assert.True(refused.StatusCode == HttpStatusCode.InsufficientStorage, $"{(int)refused.StatusCode} {reason}");
                Assert.StartsWith("not applied:", reason, StringComparison.Ordinal);
                Assert.Contains("ResourceExhausted", reason, StringComparison.Ordinal);

                // Gets are still served while the disk is full.
                Assert.Equal("value-3", await http.GetStringAsync("/get?key=before3", ct));

                // Space freed: writes work again, no process restarted.
                File.Delete(ballast);
                for (var i = 0; i < 20; i++)
                {
                    Assert.Equal(HttpStatusCode.NoContent, await PutAsync(http, $"after{i}", $"value-{i}", acknowledged, ct));
                }

                foreach (var process in cluster.All)
                {
                    await process.KillAsync();
                }

                await cluster.StartAsync(ct);
                foreach (var (key, expected) in acknowledged)
                {
                    Assert.Equal(expected, await http.GetStringAsync($"/kv/{key}", ct));
                }
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
            }
        }
        finally
        {
            await RunAsync("umount", ["-l", small]);
        }
    }

    private static async Task<HttpStatusCode> PutAsync(HttpClient http, string key, string value, Dictionary<string, string> acknowledged, CancellationToken ct)
    {
        using var content = new StringContent(value);
        var response = await http.PutAsync($"/kv/{key}", content, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            acknowledged[key] = value;
        }

        return response.StatusCode;
    }

    /// <summary>Writes zeros to <paramref name="path"/> until the file system refuses.</summary>
    private static async Task FillAsync(string path)
    {
        var chunk = new byte[64 * 1024];
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                await file.WriteAsync(chunk);
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }

    private static async Task RunAsync(string command, string[] arguments)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr} (this test needs root)");
    }
}
