using System.Text.Json;
using System.Text.Json.Nodes;
using Engula.Operator.Api;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>
/// PodMonitors where the Prometheus Operator's API exists. The API is made real on the test server by installing a
/// PodMonitor CRD (the group, version and kind the Prometheus Operator serves; its full schema does not matter to an
/// object the operator only creates). It is removed afterwards, so the other tests see a server without it.
/// </summary>
[Collection(KubeCollection.Name)]
public sealed class PodMonitorTests(KubeTestCluster cluster)
{
    private const string CrdName = "podmonitors.monitoring.coreos.com";

    [Fact]
    public async Task With_the_Prometheus_Operator_API_every_component_gets_a_PodMonitor_on_its_metrics_port_owned_by_its_resource()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = cluster.Client;
        await InstallPodMonitorCrdAsync(client, ct);
        try
        {
            await using var ns = await cluster.CreateNamespaceAsync(ct);
            await using var op = await RunningOperator.StartAsync(cluster, ns.Name, ct);
            await Samples.ReadySampleAsync(cluster, ns.Name, ct);

            foreach (var (component, port) in new[] { (ResourceKind.Journal, "admin"), (ResourceKind.Storage, "admin"), (ResourceKind.Kernel, "admin"), (ResourceKind.Engine, "http") })
            {
                string name = $"cluster-sample-{component.Singular()}";
                JsonNode? monitor = null;
                await Wait.ForAsync($"PodMonitor {name}", async t => (monitor = await GetPodMonitorAsync(client, ns.Name, name, t)) is not null, Wait.Default, ct);
                var set = (await Kube.StatefulSetAsync(client, ns.Name, name, ct))!;
                var selector = monitor!["spec"]!["selector"]!["matchLabels"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
                Assert.Equal(set.Spec.Selector.MatchLabels, selector);
                var endpoint = Assert.Single(monitor["spec"]!["podMetricsEndpoints"]!.AsArray());
                Assert.Equal((port, "/metrics"), (endpoint!["port"]!.GetValue<string>(), endpoint["path"]!.GetValue<string>()));
                Assert.Contains(set.Spec.Template.Spec.Containers[0].Ports, p => p.Name == port);
                var owner = Assert.Single(monitor["metadata"]!["ownerReferences"]!.AsArray());
                Assert.Equal((component.KindName(), name, true),
                    (owner!["kind"]!.GetValue<string>(), owner["name"]!.GetValue<string>(), owner["controller"]!.GetValue<bool>()));
            }

            // Steady: the PodMonitors are compared, not re-applied.
            await op.ReconcileEverythingAsync(ct);
            int before = op.Writes.Count;
            await op.ReconcileEverythingAsync(ct);
            Assert.True(op.Writes.Count == before, "steady-state writes: " + string.Join(", ", op.Writes.Writes.Skip(before)));
            Assert.Equal(0, op.Metrics.Errors);
        }
        finally
        {
            await RemovePodMonitorCrdAsync(client, ct);
        }
    }

    private static async Task<JsonNode?> GetPodMonitorAsync(IKubernetes client, string ns, string name, CancellationToken ct)
    {
        try
        {
            var element = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>("monitoring.coreos.com", "v1", ns, "podmonitors", name, cancellationToken: ct);
            return JsonNode.Parse(element.GetRawText());
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task InstallPodMonitorCrdAsync(IKubernetes client, CancellationToken ct)
    {
        var crd = new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = CrdName },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "monitoring.coreos.com",
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Plural = "podmonitors", Singular = "podmonitor", Kind = "PodMonitor", ListKind = "PodMonitorList" },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1",
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation
                        {
                            OpenAPIV3Schema = new V1JSONSchemaProps
                            {
                                Type = "object",
                                Properties = new Dictionary<string, V1JSONSchemaProps>
                                {
                                    ["spec"] = new() { Type = "object", XKubernetesPreserveUnknownFields = true },
                                },
                            },
                        },
                    },
                ],
            },
        };
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: ct);
        await Wait.ForAsync("the PodMonitor API in discovery", async t =>
            (await client.Apis.GetAPIVersionsAsync(t)).Groups.Any(g => g.Name == "monitoring.coreos.com")
            && (await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(CrdName, cancellationToken: t)).Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true,
            Wait.Default, ct);
    }

    private static async Task RemovePodMonitorCrdAsync(IKubernetes client, CancellationToken ct)
    {
        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync(CrdName, cancellationToken: ct);
        await Wait.ForAsync("the PodMonitor API gone from discovery", async t =>
            !(await client.Apis.GetAPIVersionsAsync(t)).Groups.Any(g => g.Name == "monitoring.coreos.com"), Wait.Default, ct);
    }
}
