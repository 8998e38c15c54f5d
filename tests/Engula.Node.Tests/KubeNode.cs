using System.Globalization;
using k8s;

namespace Engula.Node.Tests;

/// <summary>
/// One real single-node Kubernetes for the node tier's test run: eng/kube/start-kube-node.sh (control plane on the
/// node's bridge address, containerd, kubelet, scheduler, kube-proxy, cluster DNS, local volumes), stopped with
/// eng/kube/stop-kube-node.sh at the end. The images this checkout builds (eng/provision/node-images.sh) are put
/// into the node under the names the manifests use. A node that cannot start fails every test of the tier with the
/// script's reason; nothing is skipped.
/// </summary>
public sealed class KubeNode : KubeTestCluster
{
    /// <summary>The engula image under the name the operator's defaults and the publisher use.</summary>
    public const string EngulaImage = "ghcr.io/engula/engula:0.2.0";

    /// <summary>The engula image under the original sample's name (pullPolicy Always: served by the node's mirror only).</summary>
    public const string SampleImage = "uhub.service.ucloud.cn/zojw/engula:0.9";

    /// <summary>The same image under a later tag of the sample's name, for a rollout that really replaces every pod.</summary>
    public const string SampleImageNext = "uhub.service.ucloud.cn/zojw/engula:0.9.1";

    /// <summary>The operator image, as deploy/operator/install.yaml names it.</summary>
    public const string OperatorImage = "ghcr.io/engula/engula-operator:0.2.0";

    private readonly SemaphoreSlim _operatorOnce = new(1, 1);
    private OperatorInstall? _operator;
    private SampleRun? _sample;

    protected override (string Start, string Stop) Scripts => ("start-kube-node.sh", "stop-kube-node.sh");

    protected override TimeSpan StartTimeout => TimeSpan.FromSeconds(240);

    protected override bool AcceptsExternalCluster => false;

    /// <summary>The node's name (this machine's host name).</summary>
    public string NodeName { get; private set; } = "";

    /// <summary>The pods' bridge, as start-kube-node.sh recorded it for its FORWARD guard.</summary>
    public string Bridge { get; private set; } = "";

    /// <summary>The node's address on that bridge: the only non-loopback address the API server listens on.</summary>
    public string NodeAddress { get; private set; } = "";

    protected override async Task OnReadyAsync(IKubernetes client)
    {
        string dir = Path.Combine(RepositoryPaths.Root, ".artifacts", "image", "node");
        await LoadImageAsync(Path.Combine(dir, "engula.tar"), [EngulaImage]);
        await LoadImageAsync(Path.Combine(dir, "engula.tar"), [SampleImage, SampleImageNext, "--mirror-only"]);
        await LoadImageAsync(Path.Combine(dir, "engula-operator.tar"), [OperatorImage]);
        NodeName = File.ReadAllText(Path.Combine(StateDir!, "node.name")).Trim();
        Bridge = File.ReadAllText(Path.Combine(StateDir!, "iptables-guard")).Trim();
        NodeAddress = ((k8s.Kubernetes)client).BaseUri.Host;
    }

    /// <summary>
    /// deploy/operator/install.yaml applied as committed, once per run, and the operator's Deployment available.
    /// Later callers get the same install.
    /// </summary>
    public async Task<OperatorInstall> OperatorAsync(CancellationToken ct)
    {
        await _operatorOnce.WaitAsync(ct);
        try
        {
            return _operator ??= await OperatorInstall.ApplyAsync(this, ct);
        }
        finally
        {
            _operatorOnce.Release();
        }
    }

    /// <summary>The operator installed and the original sample applied in namespace <c>t2</c>, once per run.</summary>
    internal async Task<SampleRun> SampleAsync(CancellationToken ct)
    {
        var op = await OperatorAsync(ct);
        await _operatorOnce.WaitAsync(ct);
        try
        {
            if (_sample is null)
            {
                var (cluster, applyToReady, pods) = await SampleCluster.ApplySampleAsync(this, "t2", ct);
                Timings.Record("operator_apply_to_available", op.ApplyToAvailable);
                Timings.Record("sample_apply_to_4_ready", applyToReady);
                var client = new InCluster(this, "t2");
                await client.StartAsync(ct);
                _sample = new SampleRun(op, cluster, client, applyToReady, pods);
            }

            return _sample;
        }
        finally
        {
            _operatorOnce.Release();
        }
    }

    /// <summary>Runs <c>ctr</c> against the node's containerd (k8s.io namespace).</summary>
    internal async Task<ProcessRunner.Result> CtrAsync(IEnumerable<string> arguments, CancellationToken ct) =>
        await ProcessRunner.RunAsync("ctr", ["--address", Path.Combine(StateDir!, "containerd.sock"), "-n", "k8s.io", .. arguments], TimeSpan.FromSeconds(30), ct);

    private async Task LoadImageAsync(string tar, IEnumerable<string> names)
    {
        if (!File.Exists(tar))
        {
            throw new InvalidOperationException($"{tar} is missing: eng/provision/node-images.sh builds it (./test.sh runs it)");
        }

        var run = await ProcessRunner.RunAsync("bash", [Path.Combine(RepositoryPaths.KubeDir, "node-image.sh"), StateDir!, tar, .. names], TimeSpan.FromSeconds(180), CancellationToken.None);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"node-image.sh {tar} failed ({run.ExitCode.ToString(CultureInfo.InvariantCulture)}): {run.StandardError}");
        }
    }
}

/// <summary>The sample as first brought up: the pods as they were when all four turned Ready.</summary>
internal sealed record SampleRun(OperatorInstall Operator, SampleCluster Cluster, InCluster Client, TimeSpan ApplyToReady, Dictionary<string, k8s.Models.V1Pod> FirstPods);

/// <summary>The node tier's tests share one node (tests in a collection run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<KubeNode>
{
    public const string Name = "kube-node";
}
