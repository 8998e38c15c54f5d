using System.Text.Json.Nodes;
using Engula.Testing.Kube;
using k8s;

namespace Engula.Operator.Tests;

/// <summary>
/// The real helm that eng/provision/helm.sh installs, run on the committed chart deploy/helm/engula-operator.
/// A missing helm fails the test that needs it (with how to provision it), never skips it.
/// </summary>
internal static class Helm
{
    public const string Version = "3.17.2";

    /// <summary>The release name of every <c>helm template</c> here (the objects' names do not depend on it).</summary>
    public const string Release = "engula-operator";

    public static string ChartDir => Path.Combine(RepositoryPaths.Root, "deploy", "helm", "engula-operator");

    /// <summary>Where eng/provision/helm.sh puts the binary, by the same rule.</summary>
    public static string Binary
    {
        get
        {
            string? cache = Environment.GetEnvironmentVariable("ENGULA_HELM_CACHE");
            if (string.IsNullOrEmpty(cache))
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
                cache = Path.Combine(root, "engula", "helm", Version);
            }

            return Path.Combine(cache, "helm");
        }
    }

    public static async Task<ProcessRunner.Result> RunAsync(CancellationToken ct, params string[] args)
    {
        string binary = Binary;
        Assert.True(File.Exists(binary), $"helm {Version} is not at {binary}: run eng/provision/helm.sh (./test.sh runs every eng/provision/*.sh)");
        // Helm's cache, configuration and data in a directory of their own: no repositories or plugins of the user's
        // count, and nothing is written to the home directory.
        var home = Directory.CreateTempSubdirectory("engula-helm-");
        try
        {
            return await ProcessRunner.RunAsync(binary, args, TimeSpan.FromSeconds(60), ct, new Dictionary<string, string>
            {
                ["HELM_CACHE_HOME"] = Path.Combine(home.FullName, "cache"),
                ["HELM_CONFIG_HOME"] = Path.Combine(home.FullName, "config"),
                ["HELM_DATA_HOME"] = Path.Combine(home.FullName, "data"),
            });
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    /// <summary><c>helm template</c> of the chart; it must succeed.</summary>
    public static async Task<string> TemplateAsync(CancellationToken ct, params string[] args)
    {
        var result = await RunAsync(ct, ["template", Release, ChartDir, .. args]);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', args)} failed ({result.ExitCode}): {result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>
    /// <c>helm template</c>'s objects, read strictly: a field the Kubernetes models do not have (a misspelt key in a
    /// template) fails instead of being dropped.
    /// </summary>
    public static async Task<List<IKubernetesObject>> ObjectsAsync(CancellationToken ct, params string[] args) =>
        Load(await TemplateAsync(ct, args));

    public static List<IKubernetesObject> Load(string yaml) =>
        [.. KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true).Cast<IKubernetesObject>()];

    /// <summary>A values file with the given content, deleted by the caller.</summary>
    public static string WriteValues(string yaml)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("engula-helm-values-").FullName, "values.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>An object's JSON, identified as kind/name.</summary>
    public static (string Id, JsonObject Json) Json(IKubernetesObject obj)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();
        return ($"{obj.Kind}/{json["metadata"]!["name"]!.GetValue<string>()}", json);
    }

    /// <summary>
    /// Values for every key of the chart, none of them the default (<see cref="HelmChartTests"/> checks that it
    /// covers every key of values.yaml).
    /// </summary>
    public const string EveryValue = """
        image:
          repository: registry.example.com/team/engula-operator
          tag: "1.2"
          pullPolicy: Always
        imagePullSecrets: [{name: regcred}]
        replicas: 3
        resources: {requests: {cpu: 100m, memory: 200Mi}, limits: {cpu: "1", memory: 300Mi}}
        watchNamespace: team-a
        rolloutTimeoutSeconds: 1200
        podAnnotations: {example.com/owner: team-a}
        nodeSelector: {kubernetes.io/os: linux}
        tolerations: [{key: dedicated, operator: Equal, value: ops, effect: NoSchedule}]
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]}]
        """;
}
