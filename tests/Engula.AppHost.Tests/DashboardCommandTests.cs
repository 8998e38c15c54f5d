using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.AppHost.Tests;

/// <summary>
/// The dashboard's Engula commands, executed as the dashboard and <c>aspire resource</c> do (the resource command
/// service): flush the engine's memtable, show the kernel's version, SIGKILL a component; and the engine's links.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardCommandTests(ClusterFixture cluster)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Flush_memtable_makes_a_table_that_Show_version_lists()
    {
        using var cts = Timeout();
        var ct = cts.Token;
        var app = cluster.App;
        foreach (var name in EngulaTestApp.Components)
        {
            await app.App.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
        }

        using (var put = await app.PutAsync("flushed-" + Guid.NewGuid().ToString("N"), "by the dashboard", ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var flush = await app.App.ResourceCommands.ExecuteCommandAsync("engine", "engula-flush", ct);
        Assert.True(flush.Success, flush.Message);
        Assert.StartsWith("flushed ", flush.Message, StringComparison.Ordinal);

        var version = await app.App.ResourceCommands.ExecuteCommandAsync("kernel", "engula-show-version", ct);
        Assert.True(version.Success, version.Message);
        var tables = int.Parse(version.Message!.Split(": ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(tables >= 1, version.Message);

        // Nothing new in the memtable: the second flush says so.
        var again = await app.App.ResourceCommands.ExecuteCommandAsync("engine", "engula-flush", ct);
        Assert.True(again.Success, again.Message);
        Assert.Equal("nothing to flush", again.Message);

        var urls = app.Snapshot("engine").Urls.Select(u => u.Url).ToList();
        Assert.Contains(urls, u => u.EndsWith("/put?key=hello&value=world", StringComparison.Ordinal));
        Assert.Contains(urls, u => u.EndsWith("/metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Journal_storage_and_kernel_link_their_admin_health_and_metrics_and_both_answer()
    {
        using var cts = Timeout();
        var ct = cts.Token;
        var app = cluster.App;
        using var http = new HttpClient();
        foreach (var name in new[] { "journal", "storage", "kernel" })
        {
            await app.App.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
            // The admin listener's bare address is kept to the details; only its two links are listed.
            var listener = Assert.Single(app.Snapshot(name).Urls, u => u.Name == "admin");
            Assert.True(listener.IsInternal, listener.Url);
            var urls = app.Snapshot(name).Urls.Where(u => !u.IsInternal).Select(u => u.Url).ToList();
            string health = Assert.Single(urls, u => u.EndsWith("/health", StringComparison.Ordinal));
            string metrics = Assert.Single(urls, u => u.EndsWith("/metrics", StringComparison.Ordinal));

            // The links are what a browser opens: plain HTTP/1.1, unlike the component's h2c gRPC port.
            using var healthResponse = await http.GetAsync(new Uri(health), ct);
            Assert.Equal(HttpStatusCode.OK, healthResponse.StatusCode);
            string text = await http.GetStringAsync(new Uri(metrics), ct);
            Assert.Contains("target_info{service_name=\"" + name + "\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Kill_sends_SIGKILL_and_the_component_comes_back_with_Start()
    {
        using var cts = Timeout();
        var ct = cts.Token;
        var app = cluster.App;
        await app.App.ResourceNotifications.WaitForResourceHealthyAsync("kernel", ct);
        int pid = app.ProcessId("kernel");

        var kill = await app.App.ResourceCommands.ExecuteCommandAsync("kernel", "engula-kill", ct);
        Assert.True(kill.Success, kill.Message);
        var killed = await app.App.ResourceNotifications.WaitForResourceAsync(
            "kernel", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct);
        Assert.NotEqual(0, killed.Snapshot.ExitCode); // killed, not stopped cleanly

        var start = await app.App.ResourceCommands.ExecuteCommandAsync("kernel", KnownResourceCommands.StartCommand, ct);
        Assert.True(start.Success, start.Message);
        await app.App.ResourceNotifications.WaitForResourceAsync(
            "kernel",
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy
                 && e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && !Equals(p.Value?.ToString(), pid.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            ct);
        using var put = await app.PutAsync("after-kernel-kill", "v", ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    private static CancellationTokenSource Timeout()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TestTimeout);
        return cts;
    }
}
