using System.Globalization;
using k8s;
using k8s.Models;

namespace Engula.Node.Tests;

/// <summary>
/// A client pod in a test namespace (the engula image, sleeping) from which the tests reach Services by their
/// cluster DNS names, as the original README's curl did from inside the cluster. The image has no curl: HTTP goes
/// through bash's /dev/tcp.
/// </summary>
internal sealed class InCluster(KubeNode node, string ns)
{
    public const string ClientPod = "client";

    // GET PATH from HOST:PORT over HTTP/1.0; prints the status line and the body (headers dropped).
    private const string HttpGet = """
        http_get() { exec 3<>"/dev/tcp/$1/$2" || return 7; printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" >&3;
          local status; IFS= read -r status <&3; echo "${status%$'\r'}";
          while IFS= read -r line <&3 && [ "${line%$'\r'}" != "" ]; do :; done; cat <&3; echo; exec 3>&-; }
        """;

    public string Namespace => ns;

    /// <summary>Creates the client pod (non-root, read-only root, no service-account token) and waits until it runs.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = ClientPod, NamespaceProperty = ns },
            Spec = new V1PodSpec
            {
                AutomountServiceAccountToken = false,
                TerminationGracePeriodSeconds = 1,
                SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 65532, RunAsGroup = 65532 },
                Containers =
                [
                    new V1Container
                    {
                        Name = "client",
                        Image = KubeNode.EngulaImage,
                        ImagePullPolicy = "IfNotPresent",
                        Command = ["sleep", "infinity"],
                        SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
                    },
                ],
            },
        };
        await node.Client.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: ct);
        await Pods.WaitReadyAsync(node, ns, [ClientPod], TimeSpan.FromSeconds(60), ct);
    }

    /// <summary>Runs a bash script in the client pod; returns exit code and output.</summary>
    public Task<ProcessRunner.Result> RunAsync(string script, CancellationToken ct) => Kubectl.ExecAsync(node, ns, ClientPod, script, ct);

    /// <summary>An HTTP GET from inside the cluster: (status code, body).</summary>
    public async Task<(int Status, string Body)> GetAsync(string host, int port, string pathAndQuery, CancellationToken ct)
    {
        var run = await RunAsync($"{HttpGet}\nhttp_get {host} {port.ToString(CultureInfo.InvariantCulture)} '{pathAndQuery}'", ct);
        if (run.ExitCode != 0)
        {
            return (0, $"exit {run.ExitCode.ToString(CultureInfo.InvariantCulture)}: {run.StandardError.Trim()}");
        }

        string[] lines = run.StandardOutput.Split('\n', 2);
        string[] status = lines[0].Split(' ');
        int code = status.Length > 1 && int.TryParse(status[1], CultureInfo.InvariantCulture, out int c) ? c : 0;
        return (code, lines.Length > 1 ? lines[1].Trim() : "");
    }

    /// <summary>The addresses a name resolves to in the client pod (getent, i.e. the pod's resolv.conf and cluster DNS).</summary>
    public async Task<string[]> ResolveAsync(string name, CancellationToken ct)
    {
        var run = await RunAsync($"getent ahostsv4 {name} | awk '{{print $1}}' | sort -u", ct);
        return run.ExitCode == 0 ? run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    }
}
