using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.AppHost.Tests;

/// <summary>
/// The journal goes away (stop command, or SIGKILL of its server process) and comes back (start command); the
/// engine must then acknowledge every put again, and keep what it acknowledged before.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JournalRestartTests(ClusterFixture cluster)
{
    private const int PutsAfterRestart = 20;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task StopAndStartOfTheJournalResource_EngineAcknowledgesEveryPutOnceTheJournalIsBack()
    {
        using var cts = Timeout();
        var ct = cts.Token;
        var app = cluster.App;
        await WaitAllHealthyAsync(app, ct);
        var before = await PutBatchAsync(app, "before-stop", 5, ct);
        var oldPid = app.ProcessId("journal");

        var stop = await app.App.ResourceCommands.ExecuteCommandAsync("journal", KnownResourceCommands.StopCommand, ct);
        Assert.True(stop.Success, stop.Message);
        await app.App.ResourceNotifications.WaitForResourceAsync("journal", KnownResourceStates.TerminalStates, ct);
        Assert.False(IsAlive(oldPid), "the journal process is gone after the stop command");
        await AssertPutIsNotAcknowledgedAsync(app, ct);

        var start = await app.App.ResourceCommands.ExecuteCommandAsync("journal", KnownResourceCommands.StartCommand, ct);
        Assert.True(start.Success, start.Message);
        await WaitHealthyWithNewProcessAsync(app, "journal", oldPid, ct);

        await AssertEveryPutSucceedsAsync(app, "after-stop", ct);
        await AssertReadableAsync(app, before, ct);
    }

    [Fact]
    public async Task SigkillOfTheJournalServerProcess_EngineAcknowledgesEveryPutOnceTheJournalIsBack()
    {
        using var cts = Timeout();
        var ct = cts.Token;
        var app = cluster.App;
        await WaitAllHealthyAsync(app, ct);
        var before = await PutBatchAsync(app, "before-kill", 5, ct);

        // The resource runs the engula executable itself, so DCP's pid is the server (no dotnet-run wrapper to orphan it).
        var pid = app.ProcessId("journal");
        var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        Assert.Contains("journal", cmdline);
        Assert.Contains("run", cmdline);

        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(); // SIGKILL on Unix: no shutdown, no flush.
        }

        var killed = await app.App.ResourceNotifications.WaitForResourceAsync(
            "journal", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct);
        Assert.NotEqual(0, killed.Snapshot.ExitCode);
        await AssertPutIsNotAcknowledgedAsync(app, ct);

        var start = await app.App.ResourceCommands.ExecuteCommandAsync("journal", KnownResourceCommands.StartCommand, ct);
        Assert.True(start.Success, start.Message);
        await WaitHealthyWithNewProcessAsync(app, "journal", pid, ct);

        await AssertEveryPutSucceedsAsync(app, "after-kill", ct);
        await AssertReadableAsync(app, before, ct);
    }

    private static async Task WaitAllHealthyAsync(EngulaTestApp app, CancellationToken ct)
    {
        foreach (var name in EngulaTestApp.Components)
        {
            await app.App.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
        }
    }

    private static async Task WaitHealthyWithNewProcessAsync(EngulaTestApp app, string resource, int oldPid, CancellationToken ct)
    {
        await app.App.ResourceNotifications.WaitForResourceAsync(
            resource,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running
                 && e.Snapshot.HealthStatus == HealthStatus.Healthy
                 && e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && !Equals(p.Value?.ToString(), oldPid.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            ct);
    }

    /// <summary>With the journal down, a put must not be acknowledged (it is durable only in the journal).</summary>
    private static async Task AssertPutIsNotAcknowledgedAsync(EngulaTestApp app, CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            using var response = await app.PutAsync("during-outage", "x", attempt.Token);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Held past 15 s without an acknowledgement: also "not acknowledged".
        }
    }

    /// <summary>Right after the journal reports Healthy, puts one after another: every one must be acknowledged.</summary>
    private static async Task AssertEveryPutSucceedsAsync(EngulaTestApp app, string prefix, CancellationToken ct)
    {
        var written = new Dictionary<string, string>();
        for (var i = 0; i < PutsAfterRestart; i++)
        {
            var key = $"{prefix}-{Guid.NewGuid():N}";
            var value = $"v{i}";
            using var response = await app.PutAsync(key, value, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"put {i} after the journal came back: {(int)response.StatusCode} {body}");
            written[key] = value;
        }

        await AssertReadableAsync(app, written, ct);
    }

    private static async Task<Dictionary<string, string>> PutBatchAsync(EngulaTestApp app, string prefix, int count, CancellationToken ct)
    {
        var written = new Dictionary<string, string>();
        for (var i = 0; i < count; i++)
        {
            var key = $"{prefix}-{Guid.NewGuid():N}";
            using var response = await app.PutAsync(key, $"value-{i}", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            written[key] = $"value-{i}";
        }

        return written;
    }

    private static async Task AssertReadableAsync(EngulaTestApp app, Dictionary<string, string> expected, CancellationToken ct)
    {
        foreach (var (key, value) in expected)
        {
            using var response = await app.GetAsync(key, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(value, await response.Content.ReadAsStringAsync(ct));
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private static CancellationTokenSource Timeout()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TestTimeout);
        return cts;
    }
}
