using System.Text;
using Engula.Kubernetes;

namespace Engula.Hosting.Publishing;

/// <summary>
/// The files of one publish, built in memory before anything touches the disk (so invalid input writes nothing):
/// the ServiceAccount, one file per component (its Service, StatefulSet, PodDisruptionBudget, NetworkPolicy) and
/// <c>kustomization.yaml</c> listing them. Equal clusters give byte-identical files.
/// </summary>
public sealed class EngulaManifestSet
{
    /// <summary>The kustomization file kubectl and kustomize look for.</summary>
    public const string KustomizationFileName = "kustomization.yaml";

    private EngulaManifestSet(IReadOnlyList<KeyValuePair<string, string>> files) => Files = files;

    /// <summary>File name → content, in output order (ServiceAccount, components in bootstrap order, kustomization last).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Files { get; }

    /// <summary>Builds the objects of <paramref name="cluster"/> through <see cref="EngulaObjects"/> and lays them out as files.</summary>
    /// <exception cref="ArgumentException">The builders rejected the description; the message names the field.</exception>
    public static EngulaManifestSet Create(EngulaCluster cluster)
    {
        var objects = EngulaObjects.Build(cluster);
        var files = new List<KeyValuePair<string, string>>
        {
            new($"{objects.ServiceAccount.Metadata.Name}.yaml", EngulaYaml.Write([objects.ServiceAccount])),
        };
        files.AddRange(objects.Components.Select(c => new KeyValuePair<string, string>($"{c.Name}.yaml", EngulaYaml.Write(c))));

        // Component names are DNS labels and the ServiceAccount is <instance>-sa, so two files can share a name only
        // when a component is itself called e.g. "engula-sa" or "kustomization".
        var names = new HashSet<string>(StringComparer.Ordinal) { KustomizationFileName };
        foreach (var (name, _) in files)
        {
            if (!names.Add(name))
            {
                throw new ArgumentException($"cluster.Components: two published files would be named '{name}'; rename the resource", nameof(cluster));
            }
        }

        files.Add(new(KustomizationFileName, Kustomization(files.Select(f => f.Key), objects, cluster.TargetVersion)));
        return new EngulaManifestSet(files);
    }

    private static string Kustomization(IEnumerable<string> resources, ClusterObjects objects, KubernetesVersion? target)
    {
        string image = objects.Components[0].StatefulSet.Spec.Template.Spec.Containers[0].Image;
        string imageName = ImageName(image);
        string pdb = objects.Components[0].PodDisruptionBudget.ApiVersion;
        var text = new StringBuilder()
            .Append("# Written by the Engula Kubernetes publisher (Engula.Hosting/Publishing); docs/publish.md.\n")
            .Append("# Deploy: kubectl apply -k <this directory>\n")
            .Append(target is { } version
                ? $"# Kubernetes: for servers {version} or newer ({EngulaPublishOptions.TargetVersionKey}={version}); PodDisruptionBudgets are {pdb}"
                    + (pdb == KubernetesVersion.PolicyV1Beta1 ? ", which Kubernetes 1.25 removed.\n" : ".\n")
                : $"# Kubernetes: PodDisruptionBudgets are {pdb} ({KubernetesVersion.PolicyV1Since} or newer); for an older server publish with --{EngulaPublishOptions.TargetVersionKey}={KubernetesVersion.OldestSupported}.\n")
            .Append("# Namespace: set one below (or `kustomize edit set namespace <ns>`); without it kubectl uses its current one.\n")
            .Append("# namespace: engula\n")
            .Append("# Image: `kustomize edit set image ").Append(imageName).Append("=<registry>/engula:<tag>` (every container runs ")
            .Append(image).Append(").\n")
            .Append("apiVersion: kustomize.config.k8s.io/v1beta1\n")
            .Append("kind: Kustomization\n")
            .Append("resources:\n");
        foreach (string resource in resources)
        {
            text.Append("- ").Append(resource).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The part of an image reference kustomize matches on: everything before the tag or digest.</summary>
    private static string ImageName(string image) => ImageReference.Parse(image).Name;
}
