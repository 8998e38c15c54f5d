using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Engula.Hosting.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.AppHost.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ClusterFixture cluster)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AllFourComponentsAreRunningAndHealthyByTheirOwnHealthChecks()
    {
        using var cts = Timeout();
        foreach (var name in EngulaTestApp.Components)
        {
            await cluster.App.App.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token);
            var snapshot = cluster.App.Snapshot(name);
            Assert.Equal(KnownResourceStates.Running, snapshot.State?.Text);
            Assert.Equal(HealthStatus.Healthy, snapshot.HealthStatus);

            // The Healthy report comes from the component's own check (grpc.health.v1 SERVING, or the engine's /health).
            var report = Assert.Single(snapshot.HealthReports, r => r.Name == $"{name}_engula_health");
            Assert.Equal(HealthStatus.Healthy, report.Status);
            Assert.Contains(name == "engine" ? "/health 200" : "SERVING", report.Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PutThenGetThroughTheEngineEndpoint()
    {
        using var cts = Timeout();
        var key = "k-" + Guid.NewGuid().ToString("N");

        using var put = await cluster.App.PutAsync(key, "111", cts.Token);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("put success", await put.Content.ReadAsStringAsync(cts.Token));

        using var get = await cluster.App.GetAsync(key, cts.Token);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("111", await get.Content.ReadAsStringAsync(cts.Token));

        using var missing = await cluster.App.GetAsync(key + "-absent", cts.Token);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task AnotherResourceFindsTheEngineThroughWithReference()
    {
        using var cts = Timeout();
        var finished = await cluster.App.App.ResourceNotifications.WaitForResourceAsync(
            "client", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), cts.Token);
        Assert.Equal(0, finished.Snapshot.ExitCode);

        using var get = await cluster.App.GetAsync(ClusterFixture.ClientKey, cts.Token);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(ClusterFixture.ClientValue, await get.Content.ReadAsStringAsync(cts.Token));
    }

    [Fact]
    public async Task ComponentsFindTheirPeersThroughEngulaVariablesAndAspireReferences()
    {
        using var cts = Timeout();
        await cluster.App.App.ResourceNotifications.WaitForResourceHealthyAsync("engine", cts.Token);
        var journal = cluster.App.App.GetEndpoint("journal", "grpc").ToString().TrimEnd('/');
        var storage = cluster.App.App.GetEndpoint("storage", "grpc").ToString().TrimEnd('/');
        var kernel = cluster.App.App.GetEndpoint("kernel", "grpc").ToString().TrimEnd('/');

        var kernelEnv = ProcessEnvironment(cluster.App.ProcessId("kernel"));
        Assert.Equal(journal, kernelEnv["ENGULA_JOURNAL"]);
        Assert.Equal(storage, kernelEnv["ENGULA_STORAGE"]);
        Assert.Equal(journal, kernelEnv["services__journal__grpc__0"]);
        Assert.Equal(storage, kernelEnv["services__storage__grpc__0"]);
        Assert.Equal("kernel", kernelEnv["OTEL_SERVICE_NAME"]);
        Assert.True(kernelEnv.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"), "the dashboard's OTLP endpoint is passed on");

        var engineEnv = ProcessEnvironment(cluster.App.ProcessId("engine"));
        Assert.Equal(kernel, engineEnv["ENGULA_KERNEL"]);
        Assert.Equal(kernel, engineEnv["services__kernel__grpc__0"]);
        Assert.False(engineEnv.ContainsKey("ENGULA_JOURNAL"), "the engine learns its journal from the kernel");
    }

    [Fact]
    public void EndpointsAreRandomizedSoTestsDoNotCollideWithADevAppHost()
    {
        var ports = EngulaTestApp.Components
            .Select(c => cluster.App.App.GetEndpoint(c, c == "engine" ? "http" : "grpc").Port)
            .ToArray();
        Assert.DoesNotContain(24567, ports);
        Assert.DoesNotContain(24568, ports);
        Assert.DoesNotContain(24569, ports);
        Assert.DoesNotContain(24570, ports);
        Assert.Equal(4, ports.Distinct().Count());
    }

    [Fact]
    public async Task GrpcHealthCheckSeesTheRunningJournal()
    {
        using var cts = Timeout();
        var journal = cluster.App.App.GetEndpoint("journal", "grpc");
        var check = new GrpcServingHealthCheck(() => journal);
        var result = await check.CheckHealthAsync(HealthContext(check), cts.Token);
        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    internal static HealthCheckContext HealthContext(IHealthCheck check) =>
        new() { Registration = new HealthCheckRegistration("probe", check, HealthStatus.Unhealthy, tags: null) };

    /// <summary>The environment a process actually received (/proc/&lt;pid&gt;/environ).</summary>
    internal static Dictionary<string, string> ProcessEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);

    private static CancellationTokenSource Timeout()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TestTimeout);
        return cts;
    }
}
