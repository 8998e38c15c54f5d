using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Engula.Hosting.Health;
using Engula.Tests.Shared.Ports;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.AppHost.Tests;

/// <summary>The polling health checks against a real closed port: they give up after their window, not before.</summary>
public sealed class HealthCheckTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task GrpcCheckReportsUnhealthyForAClosedPortAfterPollingItsWindow()
    {
        var address = ClosedPortAddress();
        var check = new GrpcServingHealthCheck(() => address, Window, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();
        var result = await check.CheckHealthAsync(ClusterTests.HealthContext(check), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        // Refused at once (Unavailable), or on a loaded machine past the probe's deadline (DeadlineExceeded).
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(address.ToString())} (Unavailable|DeadlineExceeded)", result.Description);
        Assert.InRange(watch.Elapsed, Window - TimeSpan.FromMilliseconds(200), Window + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task HttpCheckReportsUnhealthyForAClosedPortAfterPollingItsWindow()
    {
        var address = ClosedPortAddress();
        var check = new HttpReadyHealthCheck(() => address, Window, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();
        var result = await check.CheckHealthAsync(ClusterTests.HealthContext(check), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.StartsWith(new Uri(address, "/health").ToString(), result.Description, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, Window - TimeSpan.FromMilliseconds(200), Window + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task HttpCheckReportsHealthyAsSoonAsALateServerAnswers()
    {
        // A listener that appears only after the first probes failed: the check must keep polling and see it.
        var port = FreePort.Next();
        var address = new Uri($"http://127.0.0.1:{port}/");
        // The address is read once per probe: count probes, and go on once three have failed (a signal, not a timer).
        var probes = 0;
        var threeProbes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var check = new HttpReadyHealthCheck(() =>
        {
            if (Interlocked.Increment(ref probes) == 3)
            {
                threeProbes.TrySetResult();
            }

            return address;
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        var probing = check.CheckHealthAsync(ClusterTests.HealthContext(check), TestContext.Current.CancellationToken);

        await threeProbes.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.False(probing.IsCompleted, "nothing listens yet, so the check is still polling");
        using var server = new HttpListener();
        server.Prefixes.Add($"http://127.0.0.1:{port}/");
        server.Start();
        var serve = Task.Run(async () =>
        {
            var context = await server.GetContextAsync();
            context.Response.StatusCode = 200;
            context.Response.Close();
        }, TestContext.Current.CancellationToken);

        var result = await probing.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Healthy, result.Status);
        await serve.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    private static Uri ClosedPortAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
