namespace Engula.Kubernetes;

/// <summary>Validates a cluster description and fills in the defaults. Every error names the field at fault.</summary>
internal static class ClusterResolver
{
    /// <summary>The instance label when the cluster has no name.</summary>
    internal const string DefaultInstance = "engula";

    private static readonly string[] ValidAccessModes = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

    /// <summary>Labels the builders own; callers may not set them (they would break selectors or lie about ownership).</summary>
    private static readonly HashSet<string> ReservedLabels = new(StringComparer.Ordinal)
    {
        EngulaLabels.Name, EngulaLabels.Instance, EngulaLabels.Component, EngulaLabels.ManagedBy, EngulaLabels.PartOf,
    };

    private static readonly HashSet<string> ReservedEnv = new(
        [
            EngulaPeerVariables.PodName, EngulaPeerVariables.OriginalCluster,
            .. EngulaComponents.All.SelectMany(kind => kind.Peers()).Distinct()
                .SelectMany(peer => new[] { EngulaPeerVariables.Address(peer), EngulaPeerVariables.OriginalPort(peer) }),
        ],
        StringComparer.Ordinal);

    /// <summary>Validates the cluster-wide fields only (enough for the ServiceAccount).</summary>
    internal static string ResolveInstance(EngulaCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.Name is not null)
        {
            Check.Dns1035("cluster.Name", cluster.Name, 63, "cluster name");
        }

        if (cluster.Namespace is not null)
        {
            Check.Namespace("cluster.Namespace", cluster.Namespace);
        }

        Check.LabelValue("cluster.ManagedBy", cluster.ManagedBy);
        if (string.IsNullOrEmpty(cluster.ManagedBy))
        {
            throw Check.Error("cluster.ManagedBy", "must not be empty");
        }

        if (cluster.Owner is not null)
        {
            Check.Owner("cluster.Owner", cluster.Owner);
        }

        if (cluster.TargetVersion is { } target && target < KubernetesVersion.OldestSupported)
        {
            throw Check.Error("cluster.TargetVersion",
                $"Kubernetes {target} is older than the oldest version the objects support ({KubernetesVersion.OldestSupported}): the pod template uses fields an older API server drops");
        }

        return cluster.Name ?? DefaultInstance;
    }

    internal static ResolvedCluster Resolve(EngulaCluster cluster)
    {
        string instance = ResolveInstance(cluster);
        if (cluster.Components is null || cluster.Components.Count == 0)
        {
            throw Check.Error("cluster.Components", "a cluster needs at least one component");
        }

        var resolved = new List<ResolvedComponent>();
        for (int i = 0; i < cluster.Components.Count; i++)
        {
            string field = $"cluster.Components[{i}]";
            var component = cluster.Components[i] ?? throw Check.Error(field, "must not be null");
            var item = ResolveComponent(cluster, component, field);
            if (resolved.FirstOrDefault(r => r.Kind == item.Kind) is { } sameKind)
            {
                throw Check.Error($"{field}.Kind", $"a cluster has at most one {item.KindName} ({sameKind.Field} is one already)");
            }

            if (resolved.FirstOrDefault(r => r.Name == item.Name) is { } sameName)
            {
                throw Check.Error($"{field}.Name", $"'{item.Name}' is already the name of {sameName.Field}");
            }

            resolved.Add(item);
        }

        // Peers: the env of the kernel and the engine names their Services, so they must be part of the cluster.
        foreach (var component in resolved)
        {
            foreach (var peer in component.Kind.Peers())
            {
                RequirePeer(resolved, component, peer);
            }
        }

        return new ResolvedCluster(cluster, instance, [.. resolved.OrderBy(r => r.Kind)]);
    }

    private static void RequirePeer(List<ResolvedComponent> components, ResolvedComponent dependent, EngulaComponentKind peer)
    {
        if (components.All(c => c.Kind != peer))
        {
            string peerName = peer.Name();
            throw Check.Error("cluster.Components",
                $"the {dependent.KindName} ({dependent.Field}) needs a {peerName} in the same cluster: its {EngulaPeerVariables.Address(peer)} names the {peerName}'s Service");
        }
    }

    private static ResolvedComponent ResolveComponent(EngulaCluster cluster, EngulaComponent c, string field)
    {
        if (!Enum.IsDefined(c.Kind))
        {
            throw Check.Error($"{field}.Kind", $"{(int)c.Kind} is not a component kind");
        }

        string kindName = EngulaComponents.Name(c.Kind);
        string name;
        if (c.Name is not null)
        {
            name = c.Name;
            Check.Dns1035($"{field}.Name", name, Check.MaxComponentNameLength, "component name (StatefulSet and Service)");
        }
        else
        {
            name = EngulaObjects.DefaultName(cluster.Name, c.Kind);
            if (name.Length > Check.MaxComponentNameLength)
            {
                throw Check.Error($"{field}.Name",
                    $"the default name '{name}' (cluster name + '-{kindName}') is {name.Length} characters; a StatefulSet name must be at most {Check.MaxComponentNameLength}: shorten the cluster name or set Name");
            }
        }

        Check.Image($"{field}.Image", c.Image);
        Check.PullPolicy($"{field}.ImagePullPolicy", c.ImagePullPolicy);
        if (c.Replicas < 0)
        {
            throw Check.Error($"{field}.Replicas", $"{c.Replicas} must not be negative");
        }

        int port = c.Port ?? EngulaComponents.DefaultPort(c.Kind);
        Check.Port($"{field}.Port", port);

        int? adminPort = null;
        if (c.Kind == EngulaComponentKind.Engine)
        {
            if (c.AdminPort is not null)
            {
                throw Check.Error($"{field}.AdminPort", "the engine has no admin port: it serves /health, /alive and /metrics on its own port");
            }
        }
        else
        {
            adminPort = c.AdminPort ?? port + EngulaComponents.AdminPortOffset;
            if (c.AdminPort is null && adminPort > 65535)
            {
                throw Check.Error($"{field}.AdminPort", $"the default admin port {adminPort} (port + {EngulaComponents.AdminPortOffset}) is out of range: set AdminPort");
            }

            Check.Port($"{field}.AdminPort", adminPort.Value);
            if (adminPort == port)
            {
                throw Check.Error($"{field}.AdminPort", $"{adminPort} is also the component's port; they must differ");
            }
        }

        if (c.Resources is not null)
        {
            Check.Resources($"{field}.Resources", c.Resources);
        }

        if (!Enum.IsDefined(c.DataVolumePermissions))
        {
            throw Check.Error($"{field}.DataVolumePermissions", $"{(int)c.DataVolumePermissions} is not a way to set data volume permissions: use {string.Join(" or ", Enum.GetNames<DataVolumePermissions>())}");
        }

        ResourceQuantity? storageSize = null;
        IReadOnlyList<string> accessModes = [];
        if (c.Kind == EngulaComponentKind.Engine)
        {
            if (c.DataVolumePermissions != DataVolumePermissions.FsGroup)
            {
                throw Check.Error($"{field}.DataVolumePermissions", $"the engine keeps no data and has no volume to change: leave DataVolumePermissions at {DataVolumePermissions.FsGroup}");
            }

            // The original accepted an engine volume and silently ignored it; say so instead.
            if (c.StorageSize is not null || c.StorageClassName is not null || c.StorageAccessModes is not null)
            {
                throw Check.Error($"{field}.StorageSize", "the engine keeps no data and has no volume: leave StorageSize, StorageClassName and StorageAccessModes null");
            }
        }
        else
        {
            storageSize = Check.PositiveQuantity($"{field}.StorageSize", c.StorageSize ?? EngulaObjects.DefaultStorageSize);
            if (c.StorageClassName is not null)
            {
                Check.StorageClass($"{field}.StorageClassName", c.StorageClassName);
            }

            accessModes = c.StorageAccessModes ?? ["ReadWriteOnce"];
            if (accessModes.Count == 0)
            {
                throw Check.Error($"{field}.StorageAccessModes", "at least one access mode is required");
            }

            foreach (string mode in accessModes)
            {
                if (!ValidAccessModes.Contains(mode, StringComparer.Ordinal))
                {
                    throw Check.Error($"{field}.StorageAccessModes", $"'{mode}' is not an access mode: use {string.Join(", ", ValidAccessModes)}");
                }
            }

            if (accessModes.Distinct(StringComparer.Ordinal).Count() != accessModes.Count)
            {
                throw Check.Error($"{field}.StorageAccessModes", "an access mode is listed twice");
            }
        }

        foreach (var (key, value) in c.Env ?? new Dictionary<string, string>())
        {
            Check.EnvName($"{field}.Env", key);
            if (ReservedEnv.Contains(key))
            {
                throw Check.Error($"{field}.Env", $"'{key}' is set by the builders (peer discovery) and cannot be overridden");
            }

            if (value is null)
            {
                throw Check.Error($"{field}.Env", $"the value of '{key}' must not be null");
            }
        }

        foreach (var (key, value) in c.Labels ?? new Dictionary<string, string>())
        {
            Check.LabelKey($"{field}.Labels", key);
            Check.LabelValue($"{field}.Labels", value);
            if (ReservedLabels.Contains(key))
            {
                throw Check.Error($"{field}.Labels", $"'{key}' is set by the builders and cannot be overridden");
            }
        }

        if (c.Pod is not null)
        {
            PodSettingsCheck.Validate($"{field}.Pod", c.Pod, c.Labels, ReservedLabels);
        }

        if (c.Owner is not null)
        {
            Check.Owner($"{field}.Owner", c.Owner);
        }

        return new ResolvedComponent(c, field, name, port, adminPort, storageSize, [.. accessModes]);
    }
}
