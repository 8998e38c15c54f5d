namespace Engula.Kubernetes;

/// <summary>The objects that run one component, plus the facts about them other parts need (name, ports, address).</summary>
public sealed class ComponentObjects
{
    internal ComponentObjects(
        EngulaComponentKind kind,
        string name,
        int port,
        int? adminPort,
        V1Service service,
        V1StatefulSet statefulSet,
        V1PodDisruptionBudget podDisruptionBudget,
        V1NetworkPolicy networkPolicy,
        PodMonitor podMonitor)
    {
        Kind = kind;
        Name = name;
        Port = port;
        AdminPort = adminPort;
        Service = service;
        StatefulSet = statefulSet;
        PodDisruptionBudget = podDisruptionBudget;
        NetworkPolicy = networkPolicy;
        PodMonitor = podMonitor;
    }

    /// <summary>The component's kind.</summary>
    public EngulaComponentKind Kind { get; }

    /// <summary>The name shared by the StatefulSet, its Service, PodDisruptionBudget and NetworkPolicy.</summary>
    public string Name { get; }

    /// <summary>The gRPC port (the engine's HTTP port).</summary>
    public int Port { get; }

    /// <summary>The admin port, or null for the engine.</summary>
    public int? AdminPort { get; }

    /// <summary>
    /// The in-cluster address peers use: <c>dns:///&lt;name&gt;:&lt;port&gt;</c>, every pod of the
    /// headless Service, resolved in the pods' own namespace.
    /// </summary>
    public string Address => EngulaObjects.DnsAddress(Name, Port);

    /// <summary>The headless Service (<c>clusterIP: None</c>) that governs the StatefulSet.</summary>
    public V1Service Service { get; }

    /// <summary>The StatefulSet.</summary>
    public V1StatefulSet StatefulSet { get; }

    /// <summary>
    /// The PodDisruptionBudget, as <c>policy/v1</c> (Kubernetes ≥ 1.21), or as <c>policy/v1beta1</c> when the
    /// cluster's <see cref="EngulaCluster.TargetVersion"/> is older (<see cref="KubernetesVersion.PodDisruptionBudgetApiVersion"/>);
    /// the spec is identical in both, so a caller that discovers the server's version may apply it as either.
    /// </summary>
    public V1PodDisruptionBudget PodDisruptionBudget { get; }

    /// <summary>The NetworkPolicy restricting ingress to the component's pods.</summary>
    public V1NetworkPolicy NetworkPolicy { get; }

    /// <summary>
    /// A Prometheus Operator PodMonitor for the component's pods. Not in <see cref="All"/>: its API exists only where
    /// the Prometheus Operator is installed, so callers apply it when the server offers it (the operator does).
    /// </summary>
    public PodMonitor PodMonitor { get; }

    /// <summary>Every object, in a fixed order: Service, StatefulSet, PodDisruptionBudget, NetworkPolicy.</summary>
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> All => [Service, StatefulSet, PodDisruptionBudget, NetworkPolicy];
}
