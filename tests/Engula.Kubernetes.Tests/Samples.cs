using Engula.Kubernetes;

namespace Engula.Kubernetes.Tests;

/// <summary>Cluster descriptions the tests build: the original sample, a bare-named one, and one with non-default ports.</summary>
internal static class Samples
{
    internal const string Image = "ghcr.io/engula/engula:0.2.0";

    internal static EngulaComponent Component(EngulaComponentKind kind) => new() { Kind = kind, Image = Image };

    internal static EngulaComponent[] AllFour() =>
    [
        Component(EngulaComponentKind.Journal),
        Component(EngulaComponentKind.Storage),
        Component(EngulaComponentKind.Kernel),
        Component(EngulaComponentKind.Engine),
    ];

    /// <summary>The original operator's sample: cluster-sample, one of each, 1Gi volumes.</summary>
    internal static EngulaCluster ClusterSample(string? ns = null) => new()
    {
        Name = "cluster-sample",
        Namespace = ns,
        Components = AllFour(),
    };

    /// <summary>What the default AppHost publishes: no cluster name, bare component names.</summary>
    internal static EngulaCluster Bare(string? ns = null) => new() { Namespace = ns, Components = AllFour() };

    /// <summary>The original sample with the data volumes made writable by the init container (hostPath-backed storage).</summary>
    internal static EngulaCluster InitContainer(string? ns = null) => ClusterSample(ns) with
    {
        Name = "init-sample",
        Components = [.. AllFour().Select(c => c.Kind == EngulaComponentKind.Engine ? c : c with { DataVolumePermissions = DataVolumePermissions.InitContainer })],
    };

    /// <summary>The original sample with every pod setting: node selector, toleration, anti-affinity, a spread
    /// constraint without a selector (the builders give it the component's), a priority class, pod labels and annotations.</summary>
    internal static EngulaCluster Scheduled(string? ns = null) => ClusterSample(ns) with
    {
        Name = "scheduled",
        Components = [.. AllFour().Select(c => c with { Pod = PodSettings(c.Kind) })],
    };

    internal const string PriorityClass = "engula-tests";

    internal static EngulaPodSettings PodSettings(EngulaComponentKind kind) => new()
    {
        NodeSelector = new Dictionary<string, string> { ["kubernetes.io/os"] = "linux" },
        Tolerations = [new k8s.Models.V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "engula", Effect = "NoSchedule" }],
        Affinity = new k8s.Models.V1Affinity
        {
            PodAntiAffinity = new k8s.Models.V1PodAntiAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new k8s.Models.V1WeightedPodAffinityTerm
                    {
                        Weight = 100,
                        PodAffinityTerm = new k8s.Models.V1PodAffinityTerm
                        {
                            TopologyKey = "kubernetes.io/hostname",
                            LabelSelector = new k8s.Models.V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "engula" } },
                        },
                    },
                ],
            },
        },
        TopologySpreadConstraints = [new k8s.Models.V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "kubernetes.io/hostname", WhenUnsatisfiable = "ScheduleAnyway" }],
        PriorityClassName = PriorityClass,
        Labels = new Dictionary<string, string> { ["tier"] = EngulaComponents.Name(kind) },
        Annotations = new Dictionary<string, string> { ["example.com/backup"] = "daily" },
    };

    /// <summary>Every port moved off its default, a storage class, extra env and labels.</summary>
    internal static EngulaCluster CustomPorts(string? ns = null) => new()
    {
        Name = "custom",
        Namespace = ns,
        ManagedBy = "engula-tests",
        Components =
        [
            Component(EngulaComponentKind.Engine) with { Port = 18080, Env = new Dictionary<string, string> { ["Z_LAST"] = "z", ["A_FIRST"] = "a" } },
            Component(EngulaComponentKind.Kernel) with { Port = 17001, AdminPort = 17101 },
            Component(EngulaComponentKind.Storage) with { Port = 17002, StorageSize = "5Gi", StorageClassName = "fast-ssd" },
            Component(EngulaComponentKind.Journal) with { Port = 17003, Labels = new Dictionary<string, string> { ["team"] = "storage" } },
        ],
    };
}
