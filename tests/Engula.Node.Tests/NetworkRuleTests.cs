using System.Globalization;
using System.Text.RegularExpressions;

namespace Engula.Node.Tests;

/// <summary>
/// The node's network rules, checked on the running node: pod traffic stays on the node's bridge (no default route
/// in pods, the FORWARD guard on top, no masquerading of pod addresses, a DNS server without upstream), every
/// listener of the node's processes is on loopback or the bridge address, and the kubelet's credential provider
/// cannot call out.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed partial class NetworkRuleTests(KubeNode node)
{
    [Fact]
    public async Task A_pod_has_no_default_route_cannot_reach_beyond_the_bridge_and_resolves_nothing_outside_the_cluster()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = await node.SampleAsync(ct);

        // /proc/net/route: destination 00000000 would be a default route.
        var routes = await run.Client.RunAsync("cat /proc/net/route", ct);
        Assert.Equal(0, routes.ExitCode);
        var destinations = routes.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')[1]).ToList();
        Assert.NotEmpty(destinations);
        Assert.DoesNotContain("00000000", destinations);

        // An address off the bridge has no route: the connect fails at once, nothing is sent.
        var beyond = await run.Client.RunAsync("exec 3<>/dev/tcp/192.0.2.1/80", ct);
        Assert.NotEqual(0, beyond.ExitCode);
        Assert.Contains("Network is unreachable", beyond.StandardError);

        // Cluster DNS answers cluster names only.
        Assert.Empty(await run.Client.ResolveAsync("example.com", ct));
        Assert.NotEmpty(await run.Client.ResolveAsync("kubernetes.default.svc.cluster.local", ct));
    }

    [Fact]
    public async Task The_host_guards_the_bridge_masquerades_nothing_and_every_node_listener_is_on_loopback_or_the_bridge()
    {
        var ct = TestContext.Current.CancellationToken;
        await node.SampleAsync(ct);

        var forward = await ProcessRunner.RunAsync("iptables", ["-S", "FORWARD"], TimeSpan.FromSeconds(10), ct);
        var rules = forward.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("-A", StringComparison.Ordinal)).ToList();
        Assert.True(rules.Count >= 2, forward.StandardOutput);
        Assert.Equal(new[] { $"-A FORWARD ! -i {node.Bridge} -o {node.Bridge} -j DROP", $"-A FORWARD -i {node.Bridge} ! -o {node.Bridge} -j DROP" }.Order(), rules.Take(2).Order());

        var nat = await ProcessRunner.RunAsync("iptables", ["-t", "nat", "-S"], TimeSpan.FromSeconds(10), ct);
        // The CNI bridge's ipMasq would add per-pod CNI-* chains to POSTROUTING; none, and no rule for pod sources there.
        var postrouting = nat.StandardOutput.Split('\n').Where(l => l.StartsWith("-A POSTROUTING", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(postrouting, l => l.Contains("CNI-", StringComparison.Ordinal) || l.Contains($"-s {PodPrefix}", StringComparison.Ordinal));
        Assert.DoesNotContain(nat.StandardOutput.Split('\n'), l => l.StartsWith("-N CNI-", StringComparison.Ordinal));

        // Every TCP/UDP listener of the node's own processes (by PID file) is on loopback or the bridge address.
        string state = node.StateDir!;
        var pids = Directory.EnumerateFiles(state, "*.pid").Concat(Directory.EnumerateFiles(Path.Combine(state, "cp"), "*.pid"))
            .Select(f => File.ReadAllText(f).Trim()).Where(p => p.Length > 0).ToHashSet();
        var ss = await ProcessRunner.RunAsync("ss", ["-Hltunp"], TimeSpan.FromSeconds(10), ct);
        int checkedListeners = 0;
        foreach (string line in ss.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var owner = PidPattern().Matches(line).Select(m => m.Groups[1].Value).FirstOrDefault(pids.Contains);
            if (owner is null)
            {
                continue;
            }

            string local = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
            string host = local[..local.LastIndexOf(':')].Trim('[', ']');
            Assert.True(host == node.NodeAddress || host.StartsWith("127.", StringComparison.Ordinal) || host.EndsWith("%lo", StringComparison.Ordinal), $"a node process listens on {local}: {line}");
            checkedListeners++;
        }

        Assert.True(checkedListeners >= 5, $"only {checkedListeners.ToString(CultureInfo.InvariantCulture)} listeners matched the node's PIDs: {ss.StandardOutput}");

        // The kubelet's built-in ECR credential provider would ask a metadata address off the machine.
        string kubelet = File.ReadAllText(Path.Combine(state, "kubelet.pid")).Trim();
        var environ = File.ReadAllText($"/proc/{kubelet}/environ").Split('\0');
        Assert.Contains("AWS_EC2_METADATA_DISABLED=true", environ);
    }

    /// <summary>The pod /24's prefix, e.g. <c>10.244.0.</c> (the node address is its first host).</summary>
    private string PodPrefix => node.NodeAddress[..(node.NodeAddress.LastIndexOf('.') + 1)];

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidPattern();
}
