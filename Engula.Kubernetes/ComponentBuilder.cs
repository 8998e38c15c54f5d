namespace Engula.Kubernetes;

/// <summary>
/// Turns one resolved component into its objects. Only fields that Kubernetes 1.20 knows are set (the test API
/// server is 1.20, and server-side apply answers 500 to an unknown field); the one exception is the
/// PodDisruptionBudget's <c>policy/v1</c> group-version (1.21+), written as <c>policy/v1beta1</c> when the cluster's
/// <see cref="EngulaCluster.TargetVersion"/> is older (<see cref="KubernetesVersion.PodDisruptionBudgetApiVersion"/>).
/// </summary>
internal static class ComponentBuilder
{
    private const string GrpcPortName = "grpc";
    private const string HttpPortName = "http";
    private const string AdminPortName = "admin";
    private const string TmpVolumeName = "tmp";

    /// <summary>
    /// The script of the <see cref="DataVolumePermissions.InitContainer"/> init container; <c>$1</c> is the uid (and
    /// gid), <c>$2</c> the volume's mount path. POSIX sh and GNU coreutils (<c>stat -c</c>), as the image's Debian base
    /// has them.
    /// <list type="bullet">
    /// <item>Idempotent and O(1) when right: one <c>stat</c> of the volume's root, and nothing is written when it is
    /// owned by uid:gid with owner and group rwx (the state the script leaves; the set-group-ID bit a kubelet's fsGroup
    /// leaves on a directory is accepted too). Every restart after the first costs only that.</item>
    /// <item>When the root is wrong, the whole volume is changed once, not only the root: a volume written by an earlier
    /// process running as root (the original images, a restore with tar) has root-owned files the non-root user cannot
    /// replace. This is the kubelet's own <c>fsGroupChangePolicy: OnRootMismatch</c> rule: a right root means the
    /// contents were made by the non-root user, so a large volume is walked only on the start that needs it.</item>
    /// <item>Order for the minimum privilege (uid 0 with only CAP_CHOWN): <c>chmod</c> first, while root still owns the
    /// directory (changing the mode of someone else's file needs CAP_FOWNER); then <c>chown -R</c>, which changes a
    /// directory after its contents (post-order), so nothing it still has to read belongs to another user yet.
    /// <c>-R</c> without <c>-L</c> changes symbolic links themselves and never follows one out of the volume.</item>
    /// </list>
    /// A root owned by some other uid (not 0), or contents uid 0 cannot read, make it fail (it would need CAP_FOWNER
    /// and CAP_DAC_OVERRIDE): the pod stays in Init:Error with the reason in <c>kubectl logs &lt;pod&gt; -c data-permissions</c>.
    /// </summary>
    internal const string DataPermissionsScript =
        "set -eu\n" +
        "uid=\"$1\"\n" +
        "dir=\"$2\"\n" +
        "case \"$(stat -c '%u:%g:%A' \"$dir\")\" in\n" +
        "  \"$uid:$uid:drwxrw\"[xs]*) echo \"$dir is owned by $uid:$uid and writable: nothing to change\"; exit 0 ;;\n" +
        "esac\n" +
        "echo \"$dir is $(stat -c '%u:%g %a' \"$dir\"): changing it to $uid:$uid 0770, contents included\"\n" +
        "chmod 0770 \"$dir\"\n" +
        "chown -R \"$uid:$uid\" \"$dir\"\n";

    internal static ComponentObjects Build(ResolvedCluster cluster, ResolvedComponent component)
    {
        var labels = LabelSet.ForComponent(cluster, component);
        var selector = LabelSet.Selector(cluster.Instance, component.KindName);
        return new ComponentObjects(
            component.Kind,
            component.Name,
            component.Port,
            component.AdminPort,
            Service(cluster, component, labels, selector),
            StatefulSet(cluster, component, labels, selector),
            PodDisruptionBudget(cluster, component, labels, selector),
            NetworkPolicy(cluster, component, labels, selector),
            PodMonitor(cluster, component, labels, selector));
    }

    /// <summary>
    /// Scrapes <c>/metrics</c> on the port that serves it: the admin listener, or the engine's HTTP port. No
    /// interval: the Prometheus's own scrape interval applies, which its owner chose for every target.
    /// </summary>
    private static PodMonitor PodMonitor(ResolvedCluster cluster, ResolvedComponent c, Dictionary<string, string> labels, Dictionary<string, string> selector) => new()
    {
        Metadata = Metadata(c.Name, cluster.Spec.Namespace, labels, c.Spec.Owner),
        Spec = new PodMonitorSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(selector, StringComparer.Ordinal) },
            PodMetricsEndpoints = [new PodMetricsEndpoint { Port = ProbePortName(c), Path = "/metrics" }],
        },
    };

    internal static V1ServiceAccount ServiceAccount(EngulaCluster cluster, string instance) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Metadata(instance + "-sa", cluster.Namespace, LabelSet.ForCluster(instance, cluster.ManagedBy), cluster.Owner),
        // Engula never calls the Kubernetes API: no token in any pod (the pod template says so too).
        AutomountServiceAccountToken = false,
    };

    private static V1ObjectMeta Metadata(string name, string? ns, Dictionary<string, string> labels, V1OwnerReference? owner) => new()
    {
        Name = name,
        NamespaceProperty = ns,
        Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
        OwnerReferences = owner is null ? null : [owner with { }],
    };

    private static string MainPortName(ResolvedComponent c) => c.Kind == EngulaComponentKind.Engine ? HttpPortName : GrpcPortName;

    /// <summary>The port the probes use: the admin listener, or the engine's own HTTP port (it has no admin port).</summary>
    private static string ProbePortName(ResolvedComponent c) => c.AdminPort is null ? HttpPortName : AdminPortName;

    private static V1Service Service(ResolvedCluster cluster, ResolvedComponent c, Dictionary<string, string> labels, Dictionary<string, string> selector)
    {
        // Kubernetes 1.20's server-side apply answers 500 to a ServicePort without `protocol`, so every
        // port names TCP explicitly. targetPort refers to the container port by name so the two cannot drift.
        var ports = new List<V1ServicePort>
        {
            new() { Name = MainPortName(c), Port = c.Port, TargetPort = MainPortName(c), Protocol = "TCP" },
        };
        if (c.AdminPort is { } admin)
        {
            ports.Add(new() { Name = AdminPortName, Port = admin, TargetPort = AdminPortName, Protocol = "TCP" });
        }

        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = Metadata(c.Name, cluster.Spec.Namespace, labels, c.Spec.Owner),
            Spec = new V1ServiceSpec
            {
                // Headless: DNS returns every pod's address (dns:/// discovery re-resolves them) and gives each pod
                // the stable name <name>-<ordinal>.<name> of the original README.
                ClusterIP = "None",
                // Pods are in DNS before they are Ready: the kernel must reach the journal while both are still
                // starting, and readiness of the kernel depends on reaching them.
                PublishNotReadyAddresses = true,
                Selector = new Dictionary<string, string>(selector, StringComparer.Ordinal),
                Ports = ports,
            },
        };
    }

    private static V1StatefulSet StatefulSet(ResolvedCluster cluster, ResolvedComponent c, Dictionary<string, string> labels, Dictionary<string, string> selector)
    {
        var volumeClaimTemplates = c.HasVolume
            ? new List<V1PersistentVolumeClaim>
            {
                new()
                {
                    // Claim templates are immutable after creation: only the selector labels, which never change.
                    Metadata = new V1ObjectMeta { Name = EngulaObjects.DataVolumeName, Labels = new Dictionary<string, string>(selector, StringComparer.Ordinal) },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = [.. c.StorageAccessModes],
                        StorageClassName = c.Spec.StorageClassName,
                        Resources = new V1VolumeResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = c.StorageSize! },
                        },
                    },
                },
            }
            : null;

        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = Metadata(c.Name, cluster.Spec.Namespace, labels, c.Spec.Owner),
            Spec = new V1StatefulSetSpec
            {
                Replicas = c.Spec.Replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(selector, StringComparer.Ordinal) },
                ServiceName = c.Name,
                // OrderedReady (not the original's Parallel): pod N+1 starts only when pod N is Ready, and scale-down
                // removes the highest ordinal first, one at a time. Journal, storage and kernel hold the only copy of
                // their data in v0.2; ordered, one-at-a-time changes are the conservative choice and cost nothing at
                // one replica (the only count the v0.2 design can use).
                PodManagementPolicy = "OrderedReady",
                // RollingUpdate (not OnDelete): a new image or setting is rolled out by the controller, highest
                // ordinal first, waiting for each pod to be Ready again before the next. With a ReadWriteOnce volume
                // a pod can only be replaced by stopping it first, so the brief outage of a single replica is
                // inherent; OnDelete would only leave the old pod running until someone deletes it by hand.
                UpdateStrategy = new V1StatefulSetUpdateStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = 0 },
                },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = PodLabels(labels, c.Spec.Pod),
                        Annotations = c.Spec.Pod?.Annotations is { Count: > 0 } annotations
                            ? new Dictionary<string, string>(annotations.OrderBy(a => a.Key, StringComparer.Ordinal), StringComparer.Ordinal)
                            : null,
                    },
                    Spec = PodSpec(cluster, c, selector),
                },
                VolumeClaimTemplates = volumeClaimTemplates,
            },
        };
    }

    private static Dictionary<string, string> PodLabels(Dictionary<string, string> labels, EngulaPodSettings? pod)
    {
        var result = new Dictionary<string, string>(labels, StringComparer.Ordinal);
        foreach (var (key, value) in pod?.Labels ?? new Dictionary<string, string>())
        {
            result[key] = value;
        }

        return result;
    }

    private static V1PodSpec PodSpec(ResolvedCluster cluster, ResolvedComponent c, Dictionary<string, string> selector)
    {
        var pod = c.Spec.Pod;
        var mounts = new List<V1VolumeMount>();
        if (c.HasVolume)
        {
            mounts.Add(new() { Name = EngulaObjects.DataVolumeName, MountPath = EngulaObjects.DataMountPath });
        }

        // The root filesystem is read-only; .NET still wants a writable temp directory (diagnostics IPC socket,
        // temp files), so /tmp is a small emptyDir.
        mounts.Add(new() { Name = TmpVolumeName, MountPath = "/tmp" });

        return new V1PodSpec
        {
            ServiceAccountName = cluster.ServiceAccountName,
            AutomountServiceAccountToken = false,
            // Service links would inject <SERVICE>_PORT=tcp://… variables for every Service in the namespace; a
            // Service named `kernel` would produce KERNEL_PORT. Engula's discovery is explicit (ENGULA_* below).
            EnableServiceLinks = false,
            // SIGTERM makes a component stop accepting, finish in-flight calls and flush; 60 s as
            // the original, well above what a flush of a v0.2 memtable needs.
            TerminationGracePeriodSeconds = 60,
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = EngulaObjects.ImageUserId,
                RunAsGroup = EngulaObjects.ImageUserId,
                // fsGroup makes the kubelet chown the data volume to this group and make it group-writable, but only
                // for volume types with ownership management: local PVs (kubernetes.io/no-provisioner), block-device
                // volumes (cloud disks, CSI drivers whose fsGroupPolicy is File, or ReadWriteOnceWithFSType for an
                // RWO volume with an fsType) and emptyDir. hostPath PVs (the kube-controller-manager's host-path
                // provisioner makes them root-owned 0750) and CSI drivers with fsGroupPolicy None (NFS-style) are left
                // as they are; for those, DataVolumePermissions.InitContainer adds an init container that chowns the
                // volume. OnRootMismatch skips the recursive chown on every restart once the volume is right.
                FsGroup = EngulaObjects.ImageUserId,
                FsGroupChangePolicy = "OnRootMismatch",
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            // Scheduling is the user's (validated by the resolver); the builders only give a spread constraint
            // without a selector the component's own, so that it spreads this component's pods.
            NodeSelector = pod?.NodeSelector is { Count: > 0 } nodeSelector ? new Dictionary<string, string>(nodeSelector, StringComparer.Ordinal) : null,
            Tolerations = pod?.Tolerations is { Count: > 0 } tolerations ? [.. tolerations] : null,
            Affinity = pod?.Affinity,
            TopologySpreadConstraints = pod?.TopologySpreadConstraints is { Count: > 0 } spread
                ? [.. spread.Select(t => t.LabelSelector is not null ? t : new V1TopologySpreadConstraint
                {
                    MaxSkew = t.MaxSkew,
                    TopologyKey = t.TopologyKey,
                    WhenUnsatisfiable = t.WhenUnsatisfiable,
                    MinDomains = t.MinDomains,
                    NodeAffinityPolicy = t.NodeAffinityPolicy,
                    NodeTaintsPolicy = t.NodeTaintsPolicy,
                    MatchLabelKeys = t.MatchLabelKeys,
                    LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(selector, StringComparer.Ordinal) },
                })]
                : null,
            PriorityClassName = pod?.PriorityClassName,
            InitContainers = c.HasVolume && c.Spec.DataVolumePermissions == DataVolumePermissions.InitContainer
                ? [DataPermissionsContainer(c)]
                : null,
            Containers =
            [
                new V1Container
                {
                    Name = EngulaObjects.ContainerName,
                    Image = c.Spec.Image,
                    ImagePullPolicy = c.Spec.ImagePullPolicy,
                    Command = [.. EngulaObjects.Command(c.Kind, c.Port, c.AdminPort)],
                    Ports = ContainerPorts(c),
                    Env = Env(cluster, c),
                    Resources = Resources(c.Spec.Resources),
                    StartupProbe = StartupProbe(c),
                    ReadinessProbe = ReadinessProbe(c),
                    LivenessProbe = LivenessProbe(c),
                    SecurityContext = new V1SecurityContext
                    {
                        AllowPrivilegeEscalation = false,
                        ReadOnlyRootFilesystem = true,
                        RunAsNonRoot = true,
                        Capabilities = new V1Capabilities { Drop = ["ALL"] },
                    },
                    VolumeMounts = mounts,
                    // A crash's last log lines become the termination message `kubectl describe` shows.
                    TerminationMessagePolicy = "FallbackToLogsOnError",
                },
            ],
            Volumes =
            [
                new V1Volume { Name = TmpVolumeName, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } },
            ],
        };
    }

    /// <summary>
    /// The opt-in init container of <see cref="DataVolumePermissions.InitContainer"/>: the component's image, uid 0 (the
    /// pod's <c>runAsNonRoot</c> is overridden for this container only) with every capability dropped but CHOWN, no
    /// privilege escalation, a read-only root filesystem, and only the data volume mounted. It runs
    /// <see cref="DataPermissionsScript"/>. Its resources are the main container's: a pod's effective request is the
    /// larger of its init and main containers', so the pod schedules exactly as without it, and a first chown of a
    /// large volume is not starved. The main container is the same in both modes.
    /// </summary>
    private static V1Container DataPermissionsContainer(ResolvedComponent c) => new()
    {
        Name = EngulaObjects.DataPermissionsContainerName,
        Image = c.Spec.Image,
        ImagePullPolicy = c.Spec.ImagePullPolicy,
        Command = ["/bin/sh", "-c", DataPermissionsScript, EngulaObjects.DataPermissionsContainerName, Check.Invariant(EngulaObjects.ImageUserId), EngulaObjects.DataMountPath],
        Resources = Resources(c.Spec.Resources),
        SecurityContext = new V1SecurityContext
        {
            RunAsUser = 0,
            RunAsGroup = 0,
            RunAsNonRoot = false,
            AllowPrivilegeEscalation = false,
            ReadOnlyRootFilesystem = true,
            // chown of another user's file needs CAP_CHOWN; the chmod runs while root still owns the directory and
            // the walk reads directories root owns or may read, so CAP_FOWNER and CAP_DAC_OVERRIDE are not needed.
            Capabilities = new V1Capabilities { Drop = ["ALL"], Add = ["CHOWN"] },
        },
        VolumeMounts = [new() { Name = EngulaObjects.DataVolumeName, MountPath = EngulaObjects.DataMountPath }],
        TerminationMessagePolicy = "FallbackToLogsOnError",
    };

    private static List<V1ContainerPort> ContainerPorts(ResolvedComponent c)
    {
        var ports = new List<V1ContainerPort> { new() { Name = MainPortName(c), ContainerPort = c.Port, Protocol = "TCP" } };
        if (c.AdminPort is { } admin)
        {
            ports.Add(new() { Name = AdminPortName, ContainerPort = admin, Protocol = "TCP" });
        }

        return ports;
    }

    /// <summary>
    /// Discovery: <c>ENGULA_*</c> peer addresses (first choice of our server) and the original env vars
    /// (<c>kubecluster</c>, <c>journalport</c>, <c>storageport</c>, <c>kernelport</c>, <c>POD_NAME</c>), always with the
    /// peers' real ports — the original hard-coded the defaults.
    /// </summary>
    private static List<V1EnvVar> Env(ResolvedCluster cluster, ResolvedComponent c)
    {
        var env = new List<V1EnvVar>
        {
            new() { Name = EngulaPeerVariables.PodName, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
        };

        foreach (var peerKind in c.Kind.Peers())
        {
            // The resolver guaranteed the peer exists.
            var peer = cluster.Find(peerKind)!;
            env.Add(new() { Name = EngulaPeerVariables.Address(peerKind), Value = EngulaObjects.DnsAddress(peer.Name, peer.Port) });
        }

        if (cluster.KubeCluster is { } kubeCluster)
        {
            env.Add(new() { Name = EngulaPeerVariables.OriginalCluster, Value = kubeCluster });
        }

        // As the original: every component gets the ports of the cluster's journal, storage and kernel (every kind
        // that is some component's peer).
        foreach (var kind in EngulaComponents.All.Where(k => EngulaComponents.All.Any(d => d.Peers().Contains(k))))
        {
            if (cluster.Find(kind) is { } peer)
            {
                env.Add(new() { Name = EngulaPeerVariables.OriginalPort(kind), Value = Check.Invariant(peer.Port) });
            }
        }

        foreach (var (name, value) in (c.Spec.Env ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            env.Add(new() { Name = name, Value = value });
        }

        return env;
    }

    /// <summary>
    /// The caller's resources (copied, keys sorted), or the defaults: requests small enough to schedule on a
    /// laptop cluster, a memory limit so a leak cannot take the node, and a CPU limit of one core (v0.2's
    /// components are not CPU-bound; lift it for benchmarks).
    /// </summary>
    private static V1ResourceRequirements Resources(V1ResourceRequirements? given)
    {
        static Dictionary<string, ResourceQuantity>? Copy(IDictionary<string, ResourceQuantity>? source) =>
            source?.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value.ToString()), StringComparer.Ordinal);

        if (given is not null)
        {
            return new V1ResourceRequirements { Requests = Copy(given.Requests), Limits = Copy(given.Limits) };
        }

        return new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("256Mi") },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("1Gi") },
        };
    }

    /// <summary>
    /// Startup probe on <c>/alive</c> (the process is up), not <c>/health</c>: a kernel is not ready while its journal
    /// is down, and that must not get it killed. Generous — 10 minutes — because the engine opens its port only
    /// after recovery (replaying the journal), which grows with the data; liveness takes over once it passes.
    /// </summary>
    private static V1Probe StartupProbe(ResolvedComponent c) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = "/alive", Port = ProbePortName(c) },
        PeriodSeconds = 5,
        TimeoutSeconds = 3,
        FailureThreshold = 120,
    };

    /// <summary>Readiness on <c>/health</c>: ready when the component's own dependencies answer.</summary>
    private static V1Probe ReadinessProbe(ResolvedComponent c) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = "/health", Port = ProbePortName(c) },
        PeriodSeconds = 5,
        TimeoutSeconds = 3,
        FailureThreshold = 3,
    };

    /// <summary>Liveness on <c>/alive</c>: restart only a process that stopped answering for a minute, never for a slow peer.</summary>
    private static V1Probe LivenessProbe(ResolvedComponent c) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = "/alive", Port = ProbePortName(c) },
        PeriodSeconds = 10,
        TimeoutSeconds = 3,
        FailureThreshold = 6,
    };

    /// <summary>
    /// Journal, storage and kernel: <c>maxUnavailable: 0</c>. Each pod holds the only copy of its data in v0.2 on a
    /// ReadWriteOnce volume; evicting it (a node drain) takes the whole cluster down until the pod is rescheduled
    /// and its volume re-attached, possibly never if the volume is zonal. The budget makes a drain wait for a
    /// human, who can move the pod deliberately (<c>kubectl delete pod</c>). <c>minAvailable: 1</c> would do the
    /// same at one replica but would silently permit evictions if someone scaled up.
    /// Engine: <c>maxUnavailable: 1</c>. It keeps no data (it recovers from the journal), so drains may move it;
    /// the budget still bounds disruption to one engine at a time.
    /// </summary>
    private static V1PodDisruptionBudget PodDisruptionBudget(ResolvedCluster cluster, ResolvedComponent c, Dictionary<string, string> labels, Dictionary<string, string> selector) => new()
    {
        ApiVersion = (cluster.Spec.TargetVersion ?? KubernetesVersion.PolicyV1Since).PodDisruptionBudgetApiVersion,
        Kind = "PodDisruptionBudget",
        Metadata = Metadata(c.Name, cluster.Spec.Namespace, labels, c.Spec.Owner),
        Spec = new V1PodDisruptionBudgetSpec
        {
            MaxUnavailable = c.Kind == EngulaComponentKind.Engine ? 1 : 0,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(selector, StringComparer.Ordinal) },
        },
    };

    /// <summary>
    /// Ingress only (egress stays open: DNS and peers). The gRPC ports of journal, storage and kernel accept only
    /// the same cluster's kernel and engine pods; the engine's HTTP port (the user-facing API) and every admin
    /// port accept anyone. Admin is open for the kubelet's probes and for Prometheus: most CNIs (Calico, Cilium)
    /// never apply NetworkPolicy to the node's own probe traffic, but some do, and a scraper runs in another
    /// namespace. The admin port exposes health and metrics only, nothing that reads or writes data.
    /// </summary>
    private static V1NetworkPolicy NetworkPolicy(ResolvedCluster cluster, ResolvedComponent c, Dictionary<string, string> labels, Dictionary<string, string> selector)
    {
        var rules = new List<V1NetworkPolicyIngressRule>();
        if (c.Kind == EngulaComponentKind.Engine)
        {
            rules.Add(new() { Ports = [new() { Protocol = "TCP", Port = HttpPortName }] });
        }
        else
        {
            rules.Add(new()
            {
                FromProperty =
                [
                    new V1NetworkPolicyPeer
                    {
                        PodSelector = new V1LabelSelector
                        {
                            MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal)
                            {
                                [EngulaLabels.Instance] = cluster.Instance,
                                [EngulaLabels.Name] = LabelSet.AppName,
                            },
                            MatchExpressions =
                            [
                                new V1LabelSelectorRequirement
                                {
                                    Key = EngulaLabels.Component,
                                    OperatorProperty = "In",
                                    Values = [EngulaComponents.Name(EngulaComponentKind.Kernel), EngulaComponents.Name(EngulaComponentKind.Engine)],
                                },
                            ],
                        },
                    },
                ],
                Ports = [new() { Protocol = "TCP", Port = GrpcPortName }],
            });
            rules.Add(new() { Ports = [new() { Protocol = "TCP", Port = AdminPortName }] });
        }

        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = Metadata(c.Name, cluster.Spec.Namespace, labels, c.Spec.Owner),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(selector, StringComparer.Ordinal) },
                PolicyTypes = ["Ingress"],
                Ingress = rules,
            },
        };
    }
}
