// Creates N Engula Clusters at once in one namespace of a real API server, with the operator's controllers running
// in this process (as tests/Engula.Operator.Tests does), marks their Pods Ready as they appear (no kubelet), and
// reports the time until every Cluster is Ready, the operator's API writes to get there and in the steady state
// after. Usage: Engula.Operator.Bench --kubeconfig FILE [--clusters 50] [--steady-seconds 60] [--timeout-minutes 15]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engula.Operator;
using Engula.Operator.Api;
using Engula.Operator.Bench;
using Engula.Operator.Runtime;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

string? kubeconfig = null;
int count = 50;
int steadySeconds = 60;
int timeoutMinutes = 15;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : "";
    int Int(string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1;
    switch (args[i])
    {
        case "--kubeconfig": kubeconfig = Next(); break;
        case "--clusters": count = Int(Next()); break;
        case "--steady-seconds": steadySeconds = Int(Next()); break;
        case "--timeout-minutes": timeoutMinutes = Int(Next()); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'\nusage: --kubeconfig FILE [--clusters N] [--steady-seconds S] [--timeout-minutes M]");
            return 2;
    }
}

if (kubeconfig is null || !File.Exists(kubeconfig) || count < 1 || steadySeconds < 0 || timeoutMinutes < 1)
{
    Console.Error.WriteLine("usage: --kubeconfig FILE (must exist) [--clusters N ≥ 1] [--steady-seconds S ≥ 0] [--timeout-minutes M ≥ 1] (whole numbers)");
    return 2;
}

string root = FindRoot();
using var overall = new CancellationTokenSource(TimeSpan.FromMinutes(timeoutMinutes) + TimeSpan.FromSeconds(steadySeconds) + TimeSpan.FromMinutes(2));
var ct = overall.Token;
var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
using var admin = new Kubernetes(config);

// CRDs exactly as a user installs them.
var crds = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(Path.Combine(root, "deploy", "operator", "crds.yaml"), ct)).Cast<V1CustomResourceDefinition>().ToList();
foreach (var crd in crds)
{
    await admin.ApiextensionsV1.PatchCustomResourceDefinitionAsync(new V1Patch(crd, V1Patch.PatchType.ApplyPatch), crd.Metadata.Name, fieldManager: "engula-bench", force: true, cancellationToken: ct);
}

foreach (var crd in crds)
{
    // Bounded wait for Established (polled: the CRD status has no cheaper signal here).
    var deadline = Stopwatch.StartNew();
    while ((await admin.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: ct)).Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") != true)
    {
        if (deadline.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException($"CRD {crd.Metadata.Name} not Established after 30 s");
        }

        await Task.Delay(200, ct);
    }
}

string ns = "engula-bench-" + Guid.NewGuid().ToString("N")[..8];
await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: ct);

// The operator, in this process, watching the bench namespace; its client counts its own HTTP writes as well.
var httpWrites = new HttpWriteCounter();
using var operatorClient = new Kubernetes(config, httpWrites);
using var metrics = new OperatorMetrics();
var options = new OperatorOptions { Namespace = ns, Identity = "bench-" + ns };
var controller = new EngulaController(operatorClient, options, metrics, NullLoggerFactory.Instance);
using var stopOperator = CancellationTokenSource.CreateLinkedTokenSource(ct);
var operatorRun = controller.RunAsync(stopOperator.Token);
await controller.Started.WaitAsync(TimeSpan.FromSeconds(60), ct);

var readier = new PodReadier(admin, ns);
using var stopReadier = CancellationTokenSource.CreateLinkedTokenSource(ct);
var readierRun = readier.RunAsync(stopReadier.Token);

var sample = YamlToJson.Convert(await File.ReadAllTextAsync(Path.Combine(root, "deploy", "operator", "samples", "cluster_v1alpha1_cluster.yaml"), ct));
var names = Enumerable.Range(0, count).Select(i => $"bench-{i:D3}").ToList();
long writesBefore = metrics.Writes;
long httpBefore = httpWrites.Count;
var clock = Stopwatch.StartNew();

// All at once: every create in flight together.
await Task.WhenAll(names.Select(async name =>
{
    var copy = sample.DeepClone();
    copy["metadata"]!["name"] = name;
    using var doc = JsonDocument.Parse(copy.ToJsonString());
    await admin.CustomObjects.CreateNamespacedCustomObjectAsync(doc.RootElement, EngulaApi.Group, EngulaApi.Version, ns, "clusters", cancellationToken: ct);
}));
var created = clock.Elapsed;

// Bounded wait until every Cluster reports Ready=True, recording when each first did.
var readyAt = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
var limit = TimeSpan.FromMinutes(timeoutMinutes);
while (readyAt.Count < count && clock.Elapsed < limit)
{
    var list = await admin.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(EngulaApi.Group, EngulaApi.Version, ns, "clusters", cancellationToken: ct);
    foreach (var item in list.GetProperty("items").EnumerateArray())
    {
        string name = item.GetProperty("metadata").GetProperty("name").GetString()!;
        if (!readyAt.ContainsKey(name) && IsReady(item))
        {
            readyAt[name] = clock.Elapsed;
        }
    }

    // Poll interval of the readiness wait, bounded by the timeout above.
    await Task.Delay(500, ct);
}

var allReady = clock.Elapsed;
bool finished = readyAt.Count == count;
long rampWrites = metrics.Writes - writesBefore;
long rampHttp = httpWrites.Count - httpBefore;
var rampByObject = metrics.WritesByObject;
long podPatches = readier.Patched;

// Steady state: nothing changes; the informers, watches and the operator keep running for the whole window.
long steadyBefore = metrics.Writes;
long steadyHttpBefore = httpWrites.Count;
long patchesBefore = readier.Patched;
if (finished)
{
    await Task.Delay(TimeSpan.FromSeconds(steadySeconds), ct);
}

long steadyWrites = metrics.Writes - steadyBefore;
long steadyHttp = httpWrites.Count - steadyHttpBefore;
long steadyPatches = readier.Patched - patchesBefore;

// A forced full pass (what the periodic resync does, default every 10 min): every Cluster and component reconciled
// once more against the steady state; it must not write either.
long passWrites = -1;
if (finished)
{
    int expected = controller.Caches.Clusters.Items.Count + controller.Caches.Components.Values.Sum(i => i.Items.Count);
    long reconcilesBefore = metrics.Reconciles;
    long passBefore = metrics.Writes;
    controller.EnqueueAll();
    var passClock = Stopwatch.StartNew();
    while (!(metrics.Reconciles >= reconcilesBefore + expected && controller.Queue.Depth == 0) && passClock.Elapsed < TimeSpan.FromMinutes(2))
    {
        await Task.Delay(100, ct);
    }

    passWrites = metrics.Writes - passBefore;
}

await stopReadier.CancelAsync();
await readierRun;
await stopOperator.CancelAsync();
try
{
    await operatorRun.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
}
catch (OperationCanceledException)
{
}

var perCluster = readyAt.Values.OrderBy(t => t).ToList();
string Sec(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
string Per(long n) => (n / (double)count).ToString("0.0", CultureInfo.InvariantCulture);

Console.WriteLine($"## {count} Clusters created at once (namespace {ns}, kube-apiserver {(await admin.Version.GetCodeAsync(ct)).GitVersion}, operator workers {options.Workers})");
Console.WriteLine();
Console.WriteLine("| measure | value |");
Console.WriteLine("|---|---|");
Console.WriteLine($"| all {count} creates answered | {Sec(created)} |");
Console.WriteLine(finished
    ? $"| **all {count} Ready** | **{Sec(allReady)}** |"
    : $"| Ready within {timeoutMinutes} min | only {readyAt.Count} of {count} (NOT all) |");
if (perCluster.Count > 0)
{
    Console.WriteLine($"| per Cluster time to Ready (first / median / last) | {Sec(perCluster[0])} / {Sec(perCluster[perCluster.Count / 2])} / {Sec(perCluster[^1])} |");
}

Console.WriteLine($"| operator API writes until all Ready (metric) | {rampWrites} = **{Per(rampWrites)} per Cluster** |");
Console.WriteLine($"| operator HTTP non-GET requests until all Ready (client handler) | {rampHttp} = {Per(rampHttp)} per Cluster |");
Console.WriteLine($"| writes by object (metric, whole run up to all Ready) | {string.Join(", ", rampByObject.Select(p => $"{p.Key} {p.Value}"))} |");
Console.WriteLine($"| harness Pod status patches (kubelet stand-in) | {podPatches} |");
Console.WriteLine($"| **operator API writes in the next {steadySeconds} s (target 0)** | **{steadyWrites}** (HTTP non-GET {steadyHttp}; harness patches {steadyPatches}) |");
Console.WriteLine($"| operator API writes of a forced full reconcile pass after that | {(passWrites < 0 ? "not run" : passWrites.ToString(CultureInfo.InvariantCulture))} |");
Console.WriteLine($"| reconciles / reconcile errors (whole run) | {metrics.Reconciles} / {metrics.Errors} |");

await admin.CoreV1.DeleteNamespaceAsync(ns, cancellationToken: CancellationToken.None);
return finished ? 0 : 1;

static bool IsReady(JsonElement cluster) =>
    cluster.TryGetProperty("status", out var status)
    && status.TryGetProperty("conditions", out var conditions)
    && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Engula.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Engula.sln not found above " + AppContext.BaseDirectory);
}
