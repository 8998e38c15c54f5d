namespace Engula.Kubernetes;

/// <summary>
/// What a user (through the AppHost or a custom resource) says about one component. Everything not said here is
/// decided by the builders (<see cref="EngulaObjects"/>), so the publisher and the operator produce the same
/// objects for the same description.
/// </summary>
public sealed record EngulaComponent
{
    /// <summary>Which component this is.</summary>
    public required EngulaComponentKind Kind { get; init; }

    /// <summary>
    /// Name of the StatefulSet, its headless Service, PodDisruptionBudget and NetworkPolicy. Default:
    /// <c>&lt;cluster&gt;-&lt;kind&gt;</c> when the cluster has a name (e.g. <c>cluster-sample-journal</c>), else the
    /// bare kind (<c>journal</c>). A DNS-1035 label of at most 52 characters.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Container image reference, e.g. <c>ghcr.io/engula/engula:0.2.0</c>. Required.</summary>
    public required string Image { get; init; }

    /// <summary><c>IfNotPresent</c> (default), <c>Always</c> or <c>Never</c>.</summary>
    public string ImagePullPolicy { get; init; } = "IfNotPresent";

    /// <summary>StatefulSet replicas (default 1). Whether more than one is useful is the caller's policy.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The gRPC port (the engine's HTTP port). Default: kernel 24567, engine 24568, storage 24569, journal 24570.</summary>
    public int? Port { get; init; }

    /// <summary>
    /// The admin HTTP port (<c>/health</c>, <c>/alive</c>, <c>/metrics</c>). Default: <see cref="Port"/> + 1000.
    /// Must stay null for the engine, which serves those paths on its own port.
    /// </summary>
    public int? AdminPort { get; init; }

    /// <summary>Container resources. Default: requests cpu 100m / memory 256Mi, limits cpu 1 / memory 1Gi.</summary>
    public V1ResourceRequirements? Resources { get; init; }

    /// <summary>Size of the <c>data</c> volume of journal, storage and kernel (default <c>1Gi</c>). Null for the engine.</summary>
    public string? StorageSize { get; init; }

    /// <summary>StorageClass of the <c>data</c> volume; null uses the cluster's default class.</summary>
    public string? StorageClassName { get; init; }

    /// <summary>Access modes of the <c>data</c> volume (default <c>ReadWriteOnce</c>).</summary>
    public IReadOnlyList<string>? StorageAccessModes { get; init; }

    /// <summary>
    /// How the <c>data</c> volume is made writable for the non-root user: <see cref="DataVolumePermissions.FsGroup"/>
    /// (default) or, for storage the kubelet does not chown (hostPath PersistentVolumes, CSI drivers with
    /// <c>fsGroupPolicy: None</c>), <see cref="DataVolumePermissions.InitContainer"/>. The engine has no data volume
    /// and must keep the default.
    /// </summary>
    public DataVolumePermissions DataVolumePermissions { get; init; } = DataVolumePermissions.FsGroup;

    /// <summary>
    /// Extra environment variables (sorted by name in the output). Names the builders set themselves
    /// (<c>ENGULA_*</c>, <c>kubecluster</c>, <c>*port</c>, <c>POD_NAME</c>) are rejected.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>
    /// Extra labels for every object of this component and its pods (never part of a selector). The
    /// <c>app.kubernetes.io/</c> labels the builders set are rejected.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Scheduling (node selector, tolerations, affinity, topology spread, priority) and pod-only labels and
    /// annotations; null leaves the pods as the builders make them.</summary>
    public EngulaPodSettings? Pod { get; init; }

    /// <summary>Owner of this component's objects (the operator's component resource), or null.</summary>
    public V1OwnerReference? Owner { get; init; }
}
