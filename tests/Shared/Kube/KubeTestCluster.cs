using System.Net.Http.Headers;
using Engula.Tests.Shared.Polling;
using k8s;
using k8s.Models;

namespace Engula.Testing.Kube;

/// <summary>
/// A real Kubernetes API server for the tests of one run: by default etcd + kube-apiserver 1.20.2 +
/// kube-controller-manager on loopback, started once by eng/kube/start-test-cluster.sh and stopped at the end
/// (binaries from eng/provision/kube-apiserver.sh). When <c>ENGULA_TEST_KUBECONFIG</c> names a kubeconfig, that
/// cluster (e.g. kind on a laptop) is used instead and nothing is started or stopped. Each test works in a
/// namespace of its own (<see cref="CreateNamespaceAsync"/>).
/// </summary>
public class KubeTestCluster : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private string? _stateDir;
    private k8s.Kubernetes? _client;

    /// <summary>The client, authenticated as a cluster admin.</summary>
    public IKubernetes Client => _client ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>The server's version, e.g. v1.20.2.</summary>
    public VersionInfo Version { get; private set; } = new();

    /// <summary>Whether the server serves policy/v1 (Kubernetes ≥ 1.21); 1.20 has only policy/v1beta1.</summary>
    public bool HasPolicyV1 { get; private set; }

    /// <summary>The kubeconfig file of the cluster (for kubectl and for clients of the code under test).</summary>
    public string KubeconfigPath { get; private set; } = "";

    /// <summary>True when the cluster was started by this fixture (not given through ENGULA_TEST_KUBECONFIG).</summary>
    public bool IsLocal => _stateDir is not null;

    /// <summary>The state directory of the locally started cluster (its logs, PIDs, kubeconfig), else null.</summary>
    public string? StateDir => _stateDir;

    /// <summary>The script (in eng/kube) that starts the local cluster in a state directory, and the one that stops it.</summary>
    protected virtual (string Start, string Stop) Scripts => ("start-test-cluster.sh", "stop-test-cluster.sh");

    /// <summary>How long the start script may take.</summary>
    protected virtual TimeSpan StartTimeout => TimeSpan.FromSeconds(120);

    /// <summary>Whether ENGULA_TEST_KUBECONFIG may replace the local cluster (not for tests that need the machine's own node).</summary>
    protected virtual bool AcceptsExternalCluster => true;

    public async ValueTask InitializeAsync()
    {
        string? kubeconfig = AcceptsExternalCluster ? Environment.GetEnvironmentVariable("ENGULA_TEST_KUBECONFIG") : null;
        if (string.IsNullOrEmpty(kubeconfig))
        {
            kubeconfig = await StartLocalAsync();
        }
        else if (!File.Exists(kubeconfig))
        {
            throw new InvalidOperationException($"ENGULA_TEST_KUBECONFIG names '{kubeconfig}', which does not exist");
        }

        KubeconfigPath = kubeconfig;
        _client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await WaitForReadyzAsync(_client);
        await OnReadyAsync(_client);
        Version = await _client.Version.GetCodeAsync();
        var groups = await _client.Apis.GetAPIVersionsAsync();
        HasPolicyV1 = groups.Groups.Any(g => g.Name == "policy" && g.Versions.Any(v => v.Version == "v1"));
    }

    /// <summary>Runs once the API server is ready, before any test: a test project installs what it needs (CRDs).</summary>
    protected virtual Task OnReadyAsync(IKubernetes client) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_stateDir is not null)
        {
            var stop = await ProcessRunner.RunAsync(
                "bash", [Path.Combine(RepositoryPaths.KubeDir, Scripts.Stop), _stateDir, "--delete"], TimeSpan.FromSeconds(90), CancellationToken.None);
            if (stop.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Scripts.Stop} failed ({stop.ExitCode}): {stop.StandardError}");
            }
        }
    }

    /// <summary>A fresh namespace for one test, deleted when the returned handle is disposed.</summary>
    public async Task<TestNamespace> CreateNamespaceAsync(CancellationToken cancellationToken)
    {
        string name = "engula-t-" + Guid.NewGuid().ToString("N")[..10];
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: cancellationToken);
        return new TestNamespace(Client, name);
    }

    private async Task<string> StartLocalAsync()
    {
        _stateDir = Directory.CreateTempSubdirectory("engula-kube-").FullName;
        var start = await ProcessRunner.RunAsync(
            "bash",
            [Path.Combine(RepositoryPaths.KubeDir, Scripts.Start), _stateDir],
            StartTimeout,
            CancellationToken.None,
            // If this test host dies without disposing the fixture, the script's watchdog stops the cluster.
            new Dictionary<string, string> { ["ENGULA_KUBE_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (start.ExitCode != 0)
        {
            string dir = _stateDir;
            _stateDir = null;
            Directory.Delete(dir, recursive: true);
            throw new InvalidOperationException(
                $"{Scripts.Start} failed ({start.ExitCode}); provision with eng/provision/*.sh{(AcceptsExternalCluster ? " or set ENGULA_TEST_KUBECONFIG" : "")}:\n{start.StandardError}");
        }

        return Path.Combine(_stateDir, "kubeconfig");
    }

    /// <summary>GET /readyz until it answers "ok" (the start script waits too; an external cluster may still be coming up).</summary>
    private static Task WaitForReadyzAsync(k8s.Kubernetes client) =>
        Poll.UntilAsync($"{client.BaseUri}readyz answers ok", async token =>
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, "readyz"));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
                if (client.Credentials is not null)
                {
                    await client.Credentials.ProcessHttpRequestAsync(request, token);
                }

                using var response = await client.HttpClient.SendAsync(request, token);
                var seen = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(token)}";
                return (response.IsSuccessStatusCode && seen.EndsWith("ok", StringComparison.Ordinal), seen);
            }
            catch (HttpRequestException e)
            {
                return (false, e.Message);
            }
        }, ReadyTimeout, TimeSpan.FromMilliseconds(200), CancellationToken.None);
}
