using k8s;
using k8s.Models;

namespace Engula.Operator.Tests;

/// <summary>Installs the committed CRDs (deploy/operator/crds.yaml, what a user applies) and waits until they are Established.</summary>
internal static class CrdInstaller
{
    public static async Task InstallAsync(IKubernetes client, CancellationToken ct)
    {
        string path = Path.Combine(RepositoryPaths.Root, "deploy", "operator", "crds.yaml");
        var crds = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(path, ct)).Cast<V1CustomResourceDefinition>().ToList();
        foreach (var crd in crds)
        {
            await client.ApiextensionsV1.PatchCustomResourceDefinitionAsync(new V1Patch(crd, V1Patch.PatchType.ApplyPatch), crd.Metadata.Name,
                fieldManager: "engula-tests", force: true, cancellationToken: ct);
        }

        foreach (var crd in crds)
        {
            await Wait.ForAsync(
                $"CRD {crd.Metadata.Name} Established",
                async token => (await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: token))
                    .Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true,
                TimeSpan.FromSeconds(30),
                ct);
        }
    }
}
