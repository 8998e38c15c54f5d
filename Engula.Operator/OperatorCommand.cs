using System.CommandLine;
using System.Globalization;
using Engula.Operator.Hosting;
using Engula.Operator.Manifests;

namespace Engula.Operator;

/// <summary>
/// Command line (System.CommandLine):
/// <c>engula-operator generate-manifests DIR</c> writes the install manifests;
/// <c>engula-operator generate-helm-chart DIR</c> writes the Helm chart;
/// <c>engula-operator [--kubeconfig FILE] [--namespace NS] [--http ADDR|none] [--lease-namespace NS] [--identity ID]</c> runs;
/// <c>--help</c>, <c>--version</c>. Without --kubeconfig it uses the in-cluster configuration. Bad arguments: exit 2
/// and one line on stderr.
/// </summary>
internal static class OperatorCommand
{
    public const int UsageError = 2;

    /// <summary>Flags that the install manifests and the Helm chart pass (<see cref="InstallManifests"/>, <see cref="HelmChart"/>).</summary>
    public const string NamespaceFlag = "--namespace";

    public const string RolloutTimeoutFlag = "--rollout-timeout-seconds";

    public static async Task<int> RunAsync(string[] args)
    {
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "kubeconfig file; the in-cluster configuration when omitted" };
        var ns = new Option<string?>(NamespaceFlag) { Description = "watch only this namespace (default: all)" };
        var leaseNamespace = new Option<string?>("--lease-namespace") { Description = "namespace of the leader-election Lease (default: the pod's, or `default` outside a cluster)" };
        var identity = new Option<string?>("--identity") { Description = "leader-election identity (default: POD_NAME, or host-pid)" };
        var http = new Option<string?>("--http") { Description = "health and metrics address, host:port or `none` (default 0.0.0.0:8080 in a cluster, 127.0.0.1:8080 outside)" };
        var rolloutTimeout = new Option<int?>(RolloutTimeoutFlag)
        {
            Description = "how long a pod moved to a new revision may stay not Ready before the rollout counts as stuck (default 900)",
            CustomParser = r =>
            {
                string text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) && seconds > 0)
                {
                    return seconds;
                }

                r.AddError($"{RolloutTimeoutFlag}: '{text}' is not a positive number of seconds");
                return null;
            },
        };
        var generate = GenerateCommand(
            "generate-manifests", "write the install manifests generated from the C# types",
            "where to write crds.yaml, rbac.yaml, operator.yaml and install.yaml", InstallManifests.WriteTo, InstallManifests.Files);
        var generateChart = GenerateCommand(
            "generate-helm-chart", "write the Helm chart generated from the same C# types as the install manifests",
            "the chart's directory, e.g. deploy/helm/engula-operator", HelmChart.WriteTo, HelmChart.Files);

        var root = new RootCommand("The Engula operator: reconciles Cluster, Journal, Storage, Kernel, Engine and Background resources.")
        {
            kubeconfig, ns, leaseNamespace, identity, http, rolloutTimeout, generate, generateChart,
        };
        root.SetAction((parse, ct) => RunOperatorAsync(
            parse.GetValue(kubeconfig), parse.GetValue(ns), parse.GetValue(leaseNamespace), parse.GetValue(identity), parse.GetValue(http), parse.GetValue(rolloutTimeout)));

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync("engula-operator: " + result.Errors[0].Message);
            return UsageError;
        }

        // The host handles SIGTERM (the operator stops leading and drains its queue); System.CommandLine must not race it.
        return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>A <c>generate-…</c> command: writes <paramref name="files"/> into the directory argument and names them.</summary>
    private static Command GenerateCommand(
        string name, string description, string directoryDescription, Action<string> writeTo, Func<IReadOnlyList<(string File, string Content)>> files)
    {
        var directory = new Argument<string>("directory") { Description = directoryDescription };
        var command = new Command(name, description) { directory };
        command.SetAction(parse =>
        {
            string target = parse.GetValue(directory)!;
            writeTo(target);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {string.Join(", ", files().Select(f => f.File))} to {target}");
            return 0;
        });
        return command;
    }

    private static async Task<int> RunOperatorAsync(string? kubeconfig, string? ns, string? leaseNamespace, string? identity, string? http, int? rolloutTimeoutSeconds)
    {
        bool inCluster = kubeconfig is null;
        KubernetesClientConfiguration config;
        try
        {
            config = inCluster ? KubernetesClientConfiguration.InClusterConfig() : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            await Console.Error.WriteLineAsync($"engula-operator: cannot load the {(inCluster ? "in-cluster configuration" : "kubeconfig " + kubeconfig)}: {e.Message}");
            return UsageError;
        }

        using IKubernetes client = new k8s.Kubernetes(config);
        var options = new OperatorOptions
        {
            Namespace = ns,
            // The Lease lives in the operator's own namespace in a cluster (its Role grants nothing elsewhere), in
            // `default` when run locally.
            LeaseNamespace = leaseNamespace ?? (inCluster ? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default" : "default"),
            Identity = identity ?? Environment.GetEnvironmentVariable("POD_NAME") ?? $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}",
            RolloutTimeout = rolloutTimeoutSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : new OperatorOptions().RolloutTimeout,
        };

        // The host stops on SIGTERM and Ctrl+C; the operator then stops leading (deleting its Lease) and drains.
        http ??= inCluster ? "0.0.0.0:8080" : "127.0.0.1:8080";
        IHost host = http == "none" ? OperatorApp.BuildWithoutHttp(client, options) : OperatorApp.Build(client, options, http);
        var exit = host.Services.GetRequiredService<OperatorService>().Exit;
        await host.RunAsync(); // disposes the host

        // A defect that ended the operator has been logged by the host; the exit code says so too.
        return exit.IsCompletedSuccessfully ? exit.Result : 1;
    }
}
