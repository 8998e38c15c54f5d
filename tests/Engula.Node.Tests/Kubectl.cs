using System.Globalization;

namespace Engula.Node.Tests;

/// <summary>kubectl against the node, as a user would type it; a non-zero exit fails with kubectl's own message.</summary>
internal static class Kubectl
{
    public static async Task<string> RunAsync(KubeTestCluster node, CancellationToken ct, params string[] args)
    {
        var result = await TryAsync(node, ct, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl {string.Join(' ', args)} exited {result.ExitCode.ToString(CultureInfo.InvariantCulture)}: {result.StandardError}{result.StandardOutput}");
        }

        return result.StandardOutput;
    }

    public static Task<ProcessRunner.Result> TryAsync(KubeTestCluster node, CancellationToken ct, params string[] args) =>
        ProcessRunner.RunAsync("kubectl", ["--kubeconfig", node.KubeconfigPath, .. args], TimeSpan.FromSeconds(90), ct);

    /// <summary>Runs a bash script in a pod's container (the engula image has bash and coreutils, not curl).</summary>
    public static Task<ProcessRunner.Result> ExecAsync(KubeTestCluster node, string ns, string pod, string script, CancellationToken ct) =>
        TryAsync(node, ct, "exec", "-n", ns, pod, "--", "bash", "-c", script);
}
