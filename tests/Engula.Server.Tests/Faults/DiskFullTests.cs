using System.Diagnostics;
using System.Net;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Faults;

/// <summary>
/// Full disks, on a real small tmpfs filled with a ballast file. A journal's: appends are refused with
/// RESOURCE_EXHAUSTED, the engine answers 507 "not applied" with that reason, and writes work again, without a
/// restart, once the ballast is deleted. Storage's: the engine's flush is refused, the memtable is kept, health says
/// NOT_SERVING, no half-written upload is left, and the flush goes through once space is freed. Nothing acknowledged
/// is lost in either. Needs root (mount), as the node tier does.
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

                await cluster.KillAllAndStartAsync(ct);
                await AssertReadBackAsync(http, acknowledged, ct);
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

    [Fact]
    public async Task A_full_storage_disk_holds_flushes_back_without_losing_writes_and_they_resume_once_space_is_freed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var small = Path.Combine(data.Path, "small");
        Directory.CreateDirectory(small);
        await RunAsync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", small]);
        try
        {
            var storageDirectory = Path.Combine(small, "storage");
            await using var cluster = new FileCluster(data.Path, flushThreshold: 64 * 1024, storageDirectory: storageDirectory);
            await cluster.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri($"http://{cluster.Engine.Address}"), Timeout = Timeout };
            var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                var ballast = Path.Combine(small, "ballast");
                await FillAsync(ballast);

                // Puts need only the journal: they are acknowledged while the flushes they trigger cannot upload.
                var value = new string('s', 4096);
                for (var i = 0; i < 64; i++)
                {
                    Assert.Equal(HttpStatusCode.NoContent, await PutAsync(http, $"k{i}", value + i, acknowledged, ct));
                }

                await cluster.Engine.WaitForOutputAsync("ResourceExhausted", Timeout, ct);
                using (var health = await http.GetAsync("/health", ct))
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                }

                // Nothing half-written is left in storage's upload area.
                Assert.Empty(Directory.GetFiles(Path.Combine(storageDirectory, "tmp")));

                // Space freed: the flush goes through on its own retry, health turns OK, no process restarted.
                File.Delete(ballast);
                await cluster.Engine.WaitForOutputAsync("Flushed table", Timeout, ct);
                await cluster.Engine.WaitForHttpHealthyAsync(Timeout, ct);

                await cluster.KillAllAndStartAsync(ct);
                await AssertReadBackAsync(http, acknowledged, ct);
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

    private static async Task AssertReadBackAsync(HttpClient http, Dictionary<string, string> acknowledged, CancellationToken ct)
    {
        foreach (var (key, expected) in acknowledged)
        {
            Assert.Equal(expected, await http.GetStringAsync($"/kv/{key}", ct));
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
