using System.Globalization;

namespace Engula.Operator.Manifests;

/// <summary>
/// The install manifests under deploy/operator: CRDs, least-privilege RBAC (no wildcards) and the operator's
/// Deployment (two replicas, one leader; non-root). <c>install.yaml</c> holds all of them for one <c>kubectl apply</c>.
/// </summary>
internal static class InstallManifests
{
    public const string Namespace = "engula-operator-system";
    public const string Name = "engula-operator";

    /// <summary>
    /// The operator's release: the image tag here, and the Helm chart's version and appVersion (<see cref="HelmChart"/>).
    /// Equal to the assemblies' version (Directory.Build.props); a test compares them.
    /// </summary>
    public const string Version = "0.2.0";

    public const string ImageRepository = "ghcr.io/engula/engula-operator";
    public const string Image = ImageRepository + ":" + Version;
    public const int HttpPort = 8080;

    /// <summary>The leader-election Lease, in <see cref="Namespace"/> (the operator's default lease name).</summary>
    public const string LeaseName = "engula-operator";

    private const string TmpVolume = "tmp";

    /// <summary>File name → content, in the order they are written.</summary>
    public static IReadOnlyList<(string File, string Content)> Files()
    {
        var crds = Crds();
        var rbac = Rbac();
        var operatorObjects = Operator();
        return
        [
            ("crds.yaml", EngulaYaml.Write(crds)),
            ("rbac.yaml", EngulaYaml.Write(rbac)),
            ("operator.yaml", EngulaYaml.Write(operatorObjects)),
            // The namespace first, then CRDs, RBAC, and the Deployment last: one `kubectl apply -f install.yaml`.
            ("install.yaml", EngulaYaml.Write([operatorObjects[0], .. crds, .. rbac, .. operatorObjects.Skip(1)])),
        ];
    }

    /// <summary>Writes <see cref="Files"/> into a directory (LF line endings, byte-stable).</summary>
    public static void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (file, content) in Files())
        {
            File.WriteAllText(Path.Combine(directory, file), content);
        }
    }

    /// <summary>The labels of every object (the Helm chart adds its own beside them).</summary>
    public static Dictionary<string, string> Labels() => new() { [EngulaLabels.Name] = Name };

    public static List<IKubernetesObject> Crds() => [.. CrdBuilder.All()];

    /// <summary>ClusterRole and binding, the leader-election Role and binding, in this order.</summary>
    public static List<IKubernetesObject> Rbac()
    {
        string[] plurals = [.. ResourceKinds.All.Select(k => k.Plural())];
        // Every verb here is used: list/watch by the informers, get by the reconcilers' compare-before-apply,
        // create+patch by server-side apply (a PATCH that creates needs create as well). Nothing is deleted by the
        // operator: deletion is garbage collection through ownerReferences.
        var clusterRole = new V1ClusterRole
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "ClusterRole",
            Metadata = new V1ObjectMeta { Name = Name, Labels = Labels() },
            Rules =
            [
                // delete: a component resource whose section was removed from its Cluster (and only such a one).
                new V1PolicyRule { ApiGroups = [EngulaApi.Group], Resources = plurals, Verbs = ["get", "list", "watch", "create", "patch", "delete"] },
                new V1PolicyRule { ApiGroups = [EngulaApi.Group], Resources = [.. plurals.Select(p => p + "/status")], Verbs = ["get", "patch"] },
                // blockOwnerDeletion on objects owned by our resources needs update on their finalizers where the
                // OwnerReferencesPermissionEnforcement admission plugin is enabled.
                new V1PolicyRule { ApiGroups = [EngulaApi.Group], Resources = [.. plurals.Select(p => p + "/finalizers")], Verbs = ["update"] },
                // delete: only to re-create a StatefulSet with grown claim templates, its pods orphaned (kept running).
                new V1PolicyRule { ApiGroups = ["apps"], Resources = ["statefulsets"], Verbs = ["get", "list", "watch", "create", "patch", "delete"] },
                // Volume growth: read and raise the data claims' requests; read the StorageClass (allowVolumeExpansion).
                new V1PolicyRule { ApiGroups = [""], Resources = ["persistentvolumeclaims"], Verbs = ["get", "patch"] },
                new V1PolicyRule { ApiGroups = ["storage.k8s.io"], Resources = ["storageclasses"], Verbs = ["get", "list"] },
                new V1PolicyRule { ApiGroups = [""], Resources = ["services"], Verbs = ["get", "list", "watch", "create", "patch"] },
                // delete: only to replace a pod that a reverted or corrected rollout left not Ready on an abandoned
                // revision (the StatefulSet controller waits for such a pod forever); RBAC cannot narrow it further.
                new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["get", "list", "watch", "delete"] },
                new V1PolicyRule { ApiGroups = [""], Resources = ["serviceaccounts"], Verbs = ["get", "create", "patch"] },
                new V1PolicyRule { ApiGroups = [""], Resources = ["events"], Verbs = ["create", "patch"] },
                new V1PolicyRule { ApiGroups = ["policy"], Resources = ["poddisruptionbudgets"], Verbs = ["get", "create", "patch"] },
                new V1PolicyRule { ApiGroups = ["networking.k8s.io"], Resources = ["networkpolicies"], Verbs = ["get", "create", "patch"] },
                // Used only where the Prometheus Operator is installed; a rule for an API a server lacks is harmless.
                new V1PolicyRule { ApiGroups = [PodMonitor.Group], Resources = [PodMonitor.Plural], Verbs = ["get", "create", "patch"] },
            ],
        };
        var binding = new V1ClusterRoleBinding
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "ClusterRoleBinding",
            Metadata = new V1ObjectMeta { Name = Name, Labels = Labels() },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = Name },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = Name, NamespaceProperty = Namespace }],
        };
        // Leader election only in the operator's own namespace, and only on its own Lease: create cannot be limited
        // by name (the object does not exist yet), everything else is. delete: the leader removes its Lease when it
        // stops cleanly, so the standby leads within a retry period instead of a lease duration.
        var leaseRole = new V1Role
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "Role",
            Metadata = new V1ObjectMeta { Name = Name + "-leader-election", NamespaceProperty = Namespace, Labels = Labels() },
            Rules =
            [
                new V1PolicyRule { ApiGroups = ["coordination.k8s.io"], Resources = ["leases"], Verbs = ["create"] },
                new V1PolicyRule { ApiGroups = ["coordination.k8s.io"], Resources = ["leases"], ResourceNames = [LeaseName], Verbs = ["get", "update", "delete"] },
            ],
        };
        var leaseBinding = new V1RoleBinding
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "RoleBinding",
            Metadata = new V1ObjectMeta { Name = Name + "-leader-election", NamespaceProperty = Namespace, Labels = Labels() },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = Name + "-leader-election" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = Name, NamespaceProperty = Namespace }],
        };
        return [clusterRole, binding, leaseRole, leaseBinding];
    }

    /// <summary>Namespace, ServiceAccount and Deployment, in this order.</summary>
    public static List<IKubernetesObject> Operator()
    {
        var selector = Labels();
        var ns = new V1Namespace
        {
            ApiVersion = "v1",
            Kind = "Namespace",
            Metadata = new V1ObjectMeta { Name = Namespace, Labels = Labels() },
        };
        var serviceAccount = new V1ServiceAccount
        {
            ApiVersion = "v1",
            Kind = "ServiceAccount",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace, Labels = Labels() },
        };
        var probe = (string path) => new V1Probe
        {
            HttpGet = new V1HTTPGetAction { Path = path, Port = "http" },
            PeriodSeconds = 10,
        };
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace, Labels = Labels() },
            Spec = new V1DeploymentSpec
            {
                // Two replicas: one leads (Lease engula-operator in this namespace), the other takes over when it dies.
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = selector },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels() },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = Name,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = 65532,
                            RunAsGroup = 65532,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "operator",
                                Image = Image,
                                ImagePullPolicy = "IfNotPresent",
                                // The rollout timeout is passed although it is the default, so that the manifest
                                // says it and the Helm chart has an argument to make a value of.
                                Args =
                                [
                                    "--http", "0.0.0.0:" + HttpPort.ToString(CultureInfo.InvariantCulture),
                                    OperatorCommand.RolloutTimeoutFlag, ((int)new OperatorOptions().RolloutTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                                ],
                                Env =
                                [
                                    new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                                    new V1EnvVar { Name = "POD_NAMESPACE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
                                ],
                                Ports = [new V1ContainerPort { Name = "http", ContainerPort = HttpPort, Protocol = "TCP" }],
                                ReadinessProbe = probe("/readyz"),
                                LivenessProbe = probe("/healthz"),
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("50m"), ["memory"] = new("128Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("256Mi") },
                                },
                                SecurityContext = new V1SecurityContext
                                {
                                    AllowPrivilegeEscalation = false,
                                    ReadOnlyRootFilesystem = true,
                                    Capabilities = new V1Capabilities { Drop = ["ALL"] },
                                },
                                // The root filesystem is read-only; .NET's diagnostics IPC socket (dotnet-counters,
                                // dotnet-dump, dotnet-trace) and temp files need a writable /tmp.
                                VolumeMounts = [new V1VolumeMount { Name = TmpVolume, MountPath = "/tmp" }],
                            },
                        ],
                        Volumes = [new V1Volume { Name = TmpVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } }],
                    },
                },
            },
        };
        return [ns, serviceAccount, deployment];
    }
}
