using System.Globalization;

namespace Engula.Kubernetes;

/// <summary>
/// The builders: an <see cref="EngulaCluster"/> description → the Kubernetes objects that run it (Engula.Kubernetes/README.md).
/// Pure functions: no I/O, no API calls; the same input gives equal objects and byte-identical YAML. The
/// publisher and the operator both call these, so this is the one place that decides how a component becomes
/// Kubernetes objects. Invalid input throws <see cref="ArgumentException"/> whose <c>ParamName</c> and message
/// name the field at fault (e.g. <c>cluster.Components[2].Image</c>).
/// </summary>
public static class EngulaObjects
{
    /// <summary>The container's name in every pod.</summary>
    public const string ContainerName = "engula";

    /// <summary>
    /// The init container that makes the data volume writable for <see cref="ImageUserId"/>, present only with
    /// <see cref="DataVolumePermissions.InitContainer"/>.
    /// </summary>
    public const string DataPermissionsContainerName = "data-permissions";

    /// <summary>The data volume (a claim template) of journal, storage and kernel.</summary>
    public const string DataVolumeName = "data";

    /// <summary>Where the data volume is mounted.</summary>
    public const string DataMountPath = "/data";

    /// <summary>The non-root UID and GID the pods run as (the image's user must own nothing else it needs to write).</summary>
    public const int ImageUserId = 10001;

    /// <summary>The executable inside the image.</summary>
    public const string Executable = "/bin/engula";

    /// <summary>Size of a data volume when none is given.</summary>
    public const string DefaultStorageSize = "1Gi";

    /// <summary>A component's default name: <c>&lt;cluster&gt;-&lt;kind&gt;</c>, or the bare kind without a cluster name.</summary>
    public static string DefaultName(string? clusterName, EngulaComponentKind kind) =>
        clusterName is null ? kind.Name() : $"{clusterName}-{kind.Name()}";

    /// <summary>
    /// The container command, e.g. <c>/bin/engula journal run 0.0.0.0:24570 --file /data --admin 0.0.0.0:25570</c>.
    /// Peers are not on the command line: they come from the <c>ENGULA_*</c> env.
    /// </summary>
    public static IReadOnlyList<string> Command(EngulaComponentKind kind, int port, int? adminPort)
    {
        string listen = "0.0.0.0:" + port.ToString(CultureInfo.InvariantCulture);
        List<string> command = kind switch
        {
            EngulaComponentKind.Journal => [Executable, "journal", "run", listen, "--file", DataMountPath],
            EngulaComponentKind.Storage => [Executable, "storage", "run", listen, "--file", DataMountPath],
            // --file names the kernel's manifest file inside the volume.
            EngulaComponentKind.Kernel => [Executable, "kernel", "run", listen, "--file", DataMountPath + "/manifest"],
            EngulaComponentKind.Engine => [Executable, "engine", "run", listen],
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a component kind"),
        };
        if (adminPort is { } admin)
        {
            command.AddRange(["--admin", "0.0.0.0:" + admin.ToString(CultureInfo.InvariantCulture)]);
        }

        return command;
    }

    /// <summary>Every object of the cluster: its ServiceAccount, then each component's objects in bootstrap order.</summary>
    /// <exception cref="ArgumentException">The description is invalid; the message names the field.</exception>
    public static ClusterObjects Build(EngulaCluster cluster)
    {
        var resolved = ClusterResolver.Resolve(cluster);
        return new ClusterObjects(
            ComponentBuilder.ServiceAccount(cluster, resolved.Instance),
            [.. resolved.Components.Select(c => ComponentBuilder.Build(resolved, c))]);
    }

    /// <summary>
    /// The objects of one component of the cluster (the operator reconciles components one at a time). The whole
    /// cluster is validated, because the component's env names its peers' Services and ports.
    /// </summary>
    /// <exception cref="ArgumentException">The description is invalid, or has no component of this kind.</exception>
    public static ComponentObjects BuildComponent(EngulaCluster cluster, EngulaComponentKind kind)
    {
        var resolved = ClusterResolver.Resolve(cluster);
        var component = resolved.Find(kind)
            ?? throw new ArgumentException($"kind: the cluster has no {kind.Name()} component", nameof(kind));
        return ComponentBuilder.Build(resolved, component);
    }

    /// <summary>The cluster's ServiceAccount (<c>&lt;cluster&gt;-sa</c>, or <c>engula-sa</c> without a cluster name). Only cluster-wide fields are validated.</summary>
    public static V1ServiceAccount BuildServiceAccount(EngulaCluster cluster) =>
        ComponentBuilder.ServiceAccount(cluster, ClusterResolver.ResolveInstance(cluster));

    /// <summary>A peer address for a headless Service: <c>dns:///&lt;service&gt;:&lt;port&gt;</c>.</summary>
    public static string DnsAddress(string serviceName, int port) =>
        $"dns:///{serviceName}:{port.ToString(CultureInfo.InvariantCulture)}";
}
