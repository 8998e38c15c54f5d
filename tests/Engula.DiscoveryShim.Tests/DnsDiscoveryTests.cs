using System.Diagnostics;
using ARSoft.Tools.Net.Dns;
using Engula.DiscoveryShim.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Engula.DiscoveryShim.Tests;

/// <summary>
/// Channels on <c>dns:///</c>, <c>srv:///</c> and host names against a real DNS server and real h2c backends on
/// 127.0.0.2–5: spread, scale events, scale to zero, restarts, start order, and the re-resolution floor.
/// </summary>
public sealed class DnsDiscoveryTests
{
    private const string CheckPath = "/grpc.health.v1.Health/Check";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Round_robin_spreads_calls_evenly_over_every_listed_backend()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1, 2);
        cluster.List(0, 1, 2);
        using var channel = cluster.Factory().CreateChannel(cluster.DnsTarget);

        await WarmUpAsync(cluster, channel, 0, 1, 2);
        cluster.State.Reset();
        for (var i = 0; i < 30; i++)
        {
            await TestCluster.CheckAsync(channel);
        }

        Assert.Equal([10, 10, 10], new[] { cluster.CallsTo(0), cluster.CallsTo(1), cluster.CallsTo(2) });
    }

    [Fact]
    public async Task Srv_records_with_glue_spread_calls_over_their_targets()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1, 2);
        cluster.Dns.SetSrv(TestCluster.SrvName, cluster.Port, cluster.Backends[0].Address, cluster.Backends[1].Address, cluster.Backends[2].Address);
        using var channel = cluster.Factory().CreateChannel("srv:///" + TestCluster.SrvName);

        await WarmUpAsync(cluster, channel, 0, 1, 2);
        cluster.State.Reset();
        for (var i = 0; i < 30; i++)
        {
            await TestCluster.CheckAsync(channel);
        }

        Assert.Equal([10, 10, 10], new[] { cluster.CallsTo(0), cluster.CallsTo(1), cluster.CallsTo(2) });
        Assert.Equal(0, cluster.Dns.Queries("127-0-0-2." + TestCluster.ServiceName, RecordType.A));
    }

    [Fact]
    public async Task Srv_targets_without_glue_are_looked_up_and_follow_a_scale_down()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1);
        cluster.Dns.SrvGlue = false;
        cluster.Dns.SetSrv(TestCluster.SrvName, cluster.Port, cluster.Backends[0].Address, cluster.Backends[1].Address);
        using var channel = cluster.Factory().CreateChannel("srv:///" + TestCluster.SrvName);

        await WarmUpAsync(cluster, channel, 0, 1);
        Assert.True(cluster.Dns.Queries("127-0-0-2." + TestCluster.ServiceName, RecordType.A) > 0, "the target's A record was asked for");

        cluster.Dns.SetSrv(TestCluster.SrvName, cluster.Port, cluster.Backends[1].Address);
        await UntilOnlyAsync(cluster, channel, 1);
    }

    [Fact]
    public async Task Scale_one_to_three_to_one_is_followed_and_removed_pods_get_no_more_calls()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1, 2);
        cluster.List(0);
        using var channel = cluster.Factory().CreateChannel(cluster.DnsTarget);

        for (var i = 0; i < 5; i++)
        {
            await TestCluster.CheckAsync(channel, waitForReady: true);
        }

        Assert.Equal(5, cluster.CallsTo(0));
        Assert.Equal(0, cluster.CallsTo(1) + cluster.CallsTo(2));

        // Scale up: found by the periodic refresh, no failure involved.
        cluster.List(0, 1, 2);
        await WarmUpAsync(cluster, channel, 0, 1, 2);

        // Scale down to the middle pod; the others keep running, so only DNS can make the channel leave them.
        cluster.List(1);
        await UntilOnlyAsync(cluster, channel, 1);
        Assert.True(cluster.Backends[0].IsRunning && cluster.Backends[2].IsRunning);
    }

    [Fact]
    public async Task Empty_answer_stops_calls_to_the_old_pods_and_scale_up_from_zero_is_found()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1);
        cluster.List(0, 1);
        using var channel = cluster.Factory().CreateChannel(cluster.DnsTarget);
        await WarmUpAsync(cluster, channel, 0, 1);

        // Scaled to zero (NOERROR, no records), while the old pods still answer.
        cluster.List();
        await Eventually.TrueAsync(async () => await StatusOfCheckAsync(channel) == StatusCode.Unavailable, Wait, "calls fail after the empty answer");

        var before = cluster.CallsTo(0) + cluster.CallsTo(1);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(StatusCode.Unavailable, await StatusOfCheckAsync(channel));
        }

        Assert.Equal(before, cluster.CallsTo(0) + cluster.CallsTo(1));
        Assert.Equal(ConnectivityState.TransientFailure, channel.State);

        // Back from zero: a waiting call completes once a pod is listed again.
        var waiting = TestCluster.CheckAsync(channel, waitForReady: true, timeout: Wait);
        cluster.List(1);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await waiting).Status);
    }

    [Fact]
    public async Task Nxdomain_counts_as_no_endpoints()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        using var channel = cluster.Factory().CreateChannel($"dns:///gone.t.svc.cluster.local:{cluster.Port}");

        var e = await Assert.ThrowsAsync<RpcException>(() => TestCluster.CheckAsync(channel));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("no endpoints", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, cluster.CallsTo(0));
    }

    [Fact]
    public async Task A_failing_name_server_does_not_take_working_connections_away()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1);
        cluster.List(0, 1);
        using var channel = cluster.Factory().CreateChannel(cluster.DnsTarget);
        await WarmUpAsync(cluster, channel, 0, 1);

        cluster.Dns.Failing = true;
        var queries = cluster.Dns.Queries(TestCluster.ServiceName, RecordType.A);
        await Eventually.TrueAsync(() => cluster.Dns.Queries(TestCluster.ServiceName, RecordType.A) >= queries + 2, Wait, "the channel re-resolved against the failing server");

        cluster.State.Reset();
        for (var i = 0; i < 10; i++)
        {
            await TestCluster.CheckAsync(channel);
        }

        Assert.Equal([5, 5], new[] { cluster.CallsTo(0), cluster.CallsTo(1) });
    }

    [Fact]
    public async Task A_killed_backend_restarted_on_the_same_address_is_used_again_by_the_same_channel()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        using var channel = cluster.Factory().CreateChannel(cluster.DnsTarget);
        await TestCluster.CheckAsync(channel, waitForReady: true);

        await cluster.Backends[0].KillAsync();
        await Eventually.TrueAsync(async () => await StatusOfCheckAsync(channel) == StatusCode.Unavailable, Wait, "the channel noticed the kill");

        var waiting = TestCluster.CheckAsync(channel, waitForReady: true, timeout: Wait);
        cluster.State.Reset();
        await cluster.StartAsync(0);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await waiting).Status);
        Assert.Equal(1, cluster.State.Calls(cluster.Backends[0].Name, CheckPath));
    }

    [Fact]
    public async Task Start_order_is_irrelevant_a_channel_made_before_any_backend_waits_for_one()
    {
        await using var cluster = TestCluster.Create();

        // The Service has no pods yet (NXDOMAIN), then a pod that does not listen yet, then it listens.
        using var channel = cluster.Factory(o => o.MinResolveInterval = TimeSpan.FromMilliseconds(50)).CreateChannel(cluster.DnsTarget);
        var waiting = TestCluster.CheckAsync(channel, waitForReady: true, timeout: Wait);
        await Eventually.TrueAsync(() => cluster.Dns.Queries(TestCluster.ServiceName, RecordType.A) >= 1, Wait, "the channel asked DNS");
        Assert.False(waiting.IsCompleted);

        cluster.List(0);
        await Eventually.TrueAsync(() => cluster.Dns.Queries(TestCluster.ServiceName, RecordType.A) >= 2, Wait, "the channel asked DNS again after the empty answer");
        Assert.False(waiting.IsCompleted);

        await cluster.StartAsync(0);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await waiting).Status);
    }

    [Fact]
    public async Task A_failed_connection_re_resolves_at_once_and_finds_the_replacement_pod()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 3);
        cluster.List(0);

        // No periodic refresh within the test: only the failure can trigger the re-resolution.
        using var channel = cluster.Factory(o => o.RefreshInterval = TimeSpan.FromMinutes(10)).CreateChannel(cluster.DnsTarget);
        await TestCluster.CheckAsync(channel, waitForReady: true);

        // Pod 127.0.0.2 is replaced by 127.0.0.5 (a rescheduled pod gets a new IP).
        cluster.List(3);
        await cluster.Backends[0].KillAsync();
        var reply = await TestCluster.CheckAsync(channel, waitForReady: true, timeout: Wait);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        Assert.Equal(1, cluster.State.Calls(cluster.Backends[3].Name, CheckPath));
    }

    [Fact]
    public async Task Re_resolution_on_failure_honours_the_floor()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1);
        cluster.List(0, 1);
        var floor = TimeSpan.FromMilliseconds(500);
        using var channel = cluster.Factory(o =>
        {
            o.RefreshInterval = TimeSpan.FromMinutes(10);
            o.MinResolveInterval = floor;
        }).CreateChannel(cluster.DnsTarget);
        await WarmUpAsync(cluster, channel, 0, 1);

        // Pod .3 dies but stays listed: its subchannel fails every ~0.1–0.6 s, and each failure asks for a
        // re-resolution. Without a floor that is a query per failure (and per idle transition).
        var before = cluster.Dns.Queries(TestCluster.ServiceName, RecordType.A);
        var watch = Stopwatch.StartNew();
        await cluster.Backends[1].KillAsync();
        await Eventually.TrueAsync(() => watch.Elapsed > TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), "3 s of failures passed");
        var queries = cluster.Dns.Queries(TestCluster.ServiceName, RecordType.A) - before;
        var elapsed = watch.Elapsed;

        Assert.True(queries >= 2, $"failures triggered re-resolution ({queries} queries)");
        var allowed = (int)(elapsed / floor) + 1;
        Assert.True(queries <= allowed, $"{queries} queries in {elapsed.TotalMilliseconds:0} ms exceed one per {floor.TotalMilliseconds} ms floor ({allowed})");

        // The survivor still serves every call.
        cluster.State.Reset();
        for (var i = 0; i < 10; i++)
        {
            await TestCluster.CheckAsync(channel);
        }

        Assert.Equal(10, cluster.CallsTo(0));
    }

    [Fact]
    public async Task Host_name_with_port_resolves_through_the_system_resolver()
    {
        await using var cluster = TestCluster.Create();
        await using var local = await TestBackend.StartAsync(System.Net.IPAddress.Loopback, cluster.Port, cluster.State, TestContext.Current.CancellationToken);

        // No name server configured: "localhost" comes from /etc/hosts through the operating system.
        using var channel = new EngulaChannelFactory().CreateChannel($"localhost:{cluster.Port}");
        var reply = await TestCluster.CheckAsync(channel, waitForReady: true);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        Assert.Equal(1, cluster.State.Calls("127.0.0.1", CheckPath));
    }

    private static async Task<StatusCode> StatusOfCheckAsync(GrpcChannel channel)
    {
        try
        {
            await TestCluster.CheckAsync(channel, timeout: TimeSpan.FromSeconds(2));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    /// <summary>Calls until every one of <paramref name="backends"/> has served a call (all subchannels ready).</summary>
    private static Task WarmUpAsync(TestCluster cluster, GrpcChannel channel, params int[] backends)
    {
        cluster.State.Reset();
        return Eventually.TrueAsync(
            async () =>
            {
                await TestCluster.CheckAsync(channel, waitForReady: true);
                return backends.All(b => cluster.CallsTo(b) > 0);
            },
            Wait,
            $"backends {string.Join(", ", backends.Select(b => cluster.Backends[b].Name))} all served calls");
    }

    /// <summary>Calls until 20 calls in a row go to <paramref name="only"/>, then checks 30 more do too.</summary>
    private static async Task UntilOnlyAsync(TestCluster cluster, GrpcChannel channel, int only)
    {
        var streak = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                var before = cluster.CallsTo(only);
                await TestCluster.CheckAsync(channel, waitForReady: true);
                streak = cluster.CallsTo(only) > before ? streak + 1 : 0;
                return streak >= 20;
            },
            Wait,
            $"calls went only to {cluster.Backends[only].Name}");

        cluster.State.Reset();
        for (var i = 0; i < 30; i++)
        {
            await TestCluster.CheckAsync(channel);
        }

        Assert.Equal(30, cluster.CallsTo(only));
        Assert.Equal(30, cluster.State.Calls(CheckPath));
    }
}
