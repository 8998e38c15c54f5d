using k8s;
using k8s.Models;

namespace Engula.Kubernetes.Tests;

/// <summary>The builders' output, object by object, against Engula.Kubernetes/README.md.</summary>
public sealed class BuilderTests
{
    [Fact]
    public void SampleCluster_has_prefixed_names_and_one_set_of_objects_per_component_in_bootstrap_order()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());

        Assert.Equal("cluster-sample-sa", objects.ServiceAccount.Metadata.Name);
        Assert.Equal(
            ["cluster-sample-journal", "cluster-sample-storage", "cluster-sample-kernel", "cluster-sample-engine"],
            objects.Components.Select(c => c.Name));
        Assert.Equal(
            ["ServiceAccount",
             "Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy",
             "Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy",
             "Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy",
             "Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy"],
            objects.All.Select(o => o.Kind));
        foreach (var component in objects.Components)
        {
            Assert.All(component.All, o => Assert.Equal(component.Name, o.Metadata.Name));
            Assert.Equal(component.Name, component.StatefulSet.Spec.ServiceName);
        }

        Assert.Equal(
            ["v1", "v1", "apps/v1", "policy/v1", "networking.k8s.io/v1"],
            objects.All.Take(5).Select(o => o.ApiVersion));
    }

    [Fact]
    public void Bare_cluster_uses_the_kind_as_name_and_engula_as_instance()
    {
        var objects = EngulaObjects.Build(Samples.Bare());

        Assert.Equal(["journal", "storage", "kernel", "engine"], objects.Components.Select(c => c.Name));
        Assert.Equal("engula-sa", objects.ServiceAccount.Metadata.Name);
        Assert.All(objects.All, o => Assert.Equal("engula", o.Metadata.Labels["app.kubernetes.io/instance"]));
        Assert.All(objects.All, o => Assert.Null(o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void Services_are_headless_publish_not_ready_addresses_and_name_every_port_with_TCP()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());
        var expected = new Dictionary<string, (string Name, int Port)[]>
        {
            ["cluster-sample-journal"] = [("grpc", 24570), ("admin", 25570)],
            ["cluster-sample-storage"] = [("grpc", 24569), ("admin", 25569)],
            ["cluster-sample-kernel"] = [("grpc", 24567), ("admin", 25567)],
            ["cluster-sample-engine"] = [("http", 24568)],
        };

        foreach (var component in objects.Components)
        {
            var spec = component.Service.Spec;
            Assert.Equal("None", spec.ClusterIP);
            Assert.True(spec.PublishNotReadyAddresses);
            Assert.Equal(expected[component.Name], spec.Ports.Select(p => (p.Name, p.Port)));
            Assert.All(spec.Ports, p => Assert.Equal("TCP", p.Protocol));
            Assert.All(spec.Ports, p => Assert.Equal(p.Name, p.TargetPort.Value));

            var container = Assert.Single(component.StatefulSet.Spec.Template.Spec.Containers);
            Assert.Equal(expected[component.Name], container.Ports.Select(p => (p.Name, p.ContainerPort)));
        }
    }

    [Fact]
    public void Commands_are_the_documented_component_command_lines()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());
        string[][] expected =
        [
            ["/bin/engula", "journal", "run", "0.0.0.0:24570", "--file", "/data", "--admin", "0.0.0.0:25570"],
            ["/bin/engula", "storage", "run", "0.0.0.0:24569", "--file", "/data", "--admin", "0.0.0.0:25569"],
            ["/bin/engula", "kernel", "run", "0.0.0.0:24567", "--file", "/data/manifest", "--admin", "0.0.0.0:25567"],
            ["/bin/engula", "engine", "run", "0.0.0.0:24568"],
        ];

        Assert.Equal(expected, objects.Components.Select(c => Container(c).Command.ToArray()));
        Assert.All(objects.Components, c => Assert.Equal("engula", Container(c).Name));
        Assert.All(objects.Components, c => Assert.Null(Container(c).Args));
    }

    [Fact]
    public void Env_has_the_discovery_contract_with_peer_Services_and_real_ports()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());

        Assert.Equal(
            [("POD_NAME", null), ("kubecluster", "cluster-sample"), ("journalport", "24570"), ("storageport", "24569"), ("kernelport", "24567")],
            Env(objects.Components[0]));
        Assert.Equal(
            [("POD_NAME", null),
             ("ENGULA_JOURNAL", "dns:///cluster-sample-journal:24570"),
             ("ENGULA_STORAGE", "dns:///cluster-sample-storage:24569"),
             ("kubecluster", "cluster-sample"), ("journalport", "24570"), ("storageport", "24569"), ("kernelport", "24567")],
            Env(objects.Components[2]));
        Assert.Equal(
            [("POD_NAME", null),
             ("ENGULA_KERNEL", "dns:///cluster-sample-kernel:24567"),
             ("kubecluster", "cluster-sample"), ("journalport", "24570"), ("storageport", "24569"), ("kernelport", "24567")],
            Env(objects.Components[3]));

        foreach (var component in objects.Components)
        {
            var podName = Container(component).Env.Single(e => e.Name == "POD_NAME");
            Assert.Equal("metadata.name", podName.ValueFrom.FieldRef.FieldPath);
        }
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Every_address_in_env_names_a_Service_and_port_in_the_output(string sample)
    {
        var objects = EngulaObjects.Build(SampleByName(sample));
        var servicePorts = objects.Components
            .SelectMany(c => c.Service.Spec.Ports.Select(p => (Service: c.Service.Metadata.Name, p.Name, p.Port)))
            .ToList();
        int checkedAddresses = 0;

        foreach (var component in objects.Components)
        {
            var env = Container(component).Env.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value);
            foreach (var (name, value) in env.Where(e => e.Key.StartsWith("ENGULA_", StringComparison.Ordinal)))
            {
                Assert.StartsWith("dns:///", value);
                string[] hostPort = value["dns:///".Length..].Split(':');
                Assert.Contains((hostPort[0], "grpc", int.Parse(hostPort[1], System.Globalization.CultureInfo.InvariantCulture)), servicePorts);
                Assert.Equal(name["ENGULA_".Length..].ToLowerInvariant(), PeerKind(objects, hostPort[0]));
                checkedAddresses++;
            }

            // The original form: <kubecluster>-<peer> on <peer>port must be the same Service and port.
            if (env.TryGetValue("kubecluster", out string? kubecluster))
            {
                foreach (string peer in new[] { "journal", "storage", "kernel" })
                {
                    int port = int.Parse(env[peer + "port"], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.Contains(($"{kubecluster}-{peer}", "grpc", port), servicePorts);
                    checkedAddresses++;
                }
            }
            else
            {
                // Without a cluster name no kubecluster can be right; the ports are still the real ones.
                foreach (string peer in new[] { "journal", "storage", "kernel" })
                {
                    var peerObjects = objects.Components.Single(c => EngulaComponents.Name(c.Kind) == peer);
                    Assert.Equal(peerObjects.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), env[peer + "port"]);
                }
            }
        }

        Assert.True(checkedAddresses >= 3, $"only {checkedAddresses} addresses checked");
    }

    [Fact]
    public void Non_default_ports_flow_into_commands_services_probes_and_every_peer_env()
    {
        var objects = EngulaObjects.Build(Samples.CustomPorts());
        var journal = objects.Components.Single(c => c.Kind == EngulaComponentKind.Journal);
        var storage = objects.Components.Single(c => c.Kind == EngulaComponentKind.Storage);
        var kernel = objects.Components.Single(c => c.Kind == EngulaComponentKind.Kernel);
        var engine = objects.Components.Single(c => c.Kind == EngulaComponentKind.Engine);

        Assert.Equal((17003, 18003), (journal.Port, journal.AdminPort));
        Assert.Equal((17001, 17101), (kernel.Port, kernel.AdminPort));
        Assert.Equal(["/bin/engula", "kernel", "run", "0.0.0.0:17001", "--file", "/data/manifest", "--admin", "0.0.0.0:17101"], Container(kernel).Command);
        Assert.Equal(["/bin/engula", "engine", "run", "0.0.0.0:18080"], Container(engine).Command);
        Assert.Equal([17002, 18002], storage.Service.Spec.Ports.Select(p => p.Port));

        var kernelEnv = Container(kernel).Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("dns:///custom-journal:17003", kernelEnv["ENGULA_JOURNAL"]);
        Assert.Equal("dns:///custom-storage:17002", kernelEnv["ENGULA_STORAGE"]);
        Assert.Equal("dns:///custom-kernel:17001", Container(engine).Env.Single(e => e.Name == "ENGULA_KERNEL").Value);
        foreach (var component in objects.Components)
        {
            var env = Container(component).Env.ToDictionary(e => e.Name, e => e.Value);
            Assert.Equal(("17003", "17002", "17001"), (env["journalport"], env["storageport"], env["kernelport"]));
        }

        // Extra env comes after the builders' own, sorted by name.
        Assert.Equal(["A_FIRST", "Z_LAST"], Container(engine).Env.Select(e => e.Name).TakeLast(2));
        Assert.Equal("http", Container(engine).ReadinessProbe.HttpGet.Port.Value);
    }

    [Fact]
    public void Labels_are_the_recommended_set_and_selectors_are_stable_and_consistent()
    {
        var objects = EngulaObjects.Build(Samples.CustomPorts());

        foreach (var component in objects.Components)
        {
            string kind = EngulaComponents.Name(component.Kind);
            var selector = component.StatefulSet.Spec.Selector.MatchLabels;
            Assert.Equal(
                new Dictionary<string, string>
                {
                    ["app.kubernetes.io/component"] = kind,
                    ["app.kubernetes.io/instance"] = "custom",
                    ["app.kubernetes.io/name"] = "engula",
                },
                selector);
            Assert.Equal(selector, component.Service.Spec.Selector);
            Assert.Equal(selector, component.PodDisruptionBudget.Spec.Selector.MatchLabels);
            Assert.Equal(selector, component.NetworkPolicy.Spec.PodSelector.MatchLabels);

            var podLabels = component.StatefulSet.Spec.Template.Metadata.Labels;
            Assert.All(selector, kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
            Assert.Equal("engula-tests", podLabels["app.kubernetes.io/managed-by"]);
            Assert.Equal("engula", podLabels["app.kubernetes.io/part-of"]);
            Assert.All(component.All, o => Assert.Equal(podLabels, o.Metadata.Labels));
        }

        var journal = objects.Components.Single(c => c.Kind == EngulaComponentKind.Journal);
        Assert.Equal("storage", journal.StatefulSet.Metadata.Labels["team"]);
        Assert.Equal("storage", journal.StatefulSet.Spec.Template.Metadata.Labels["team"]);
        Assert.False(journal.StatefulSet.Spec.Selector.MatchLabels.ContainsKey("team"));
    }

    [Fact]
    public void Pod_settings_reach_only_the_pod_template_and_a_spread_constraint_without_a_selector_gets_the_components()
    {
        var plain = EngulaObjects.Build(Samples.ClusterSample());
        var scheduled = EngulaObjects.Build(Samples.Scheduled() with { Name = "cluster-sample" });

        foreach (var (before, after) in plain.Components.Zip(scheduled.Components))
        {
            var pod = after.StatefulSet.Spec.Template;
            var settings = Samples.PodSettings(after.Kind);
            Assert.Equal(settings.NodeSelector, pod.Spec.NodeSelector);
            Assert.Equal(KubernetesJson.Serialize(settings.Tolerations), KubernetesJson.Serialize(pod.Spec.Tolerations));
            Assert.Equal(KubernetesJson.Serialize(settings.Affinity), KubernetesJson.Serialize(pod.Spec.Affinity));
            Assert.Equal(Samples.PriorityClass, pod.Spec.PriorityClassName);
            var spread = Assert.Single(pod.Spec.TopologySpreadConstraints);
            Assert.Equal((1, "kubernetes.io/hostname", "ScheduleAnyway"), (spread.MaxSkew, spread.TopologyKey, spread.WhenUnsatisfiable));
            Assert.Equal(after.StatefulSet.Spec.Selector.MatchLabels, spread.LabelSelector.MatchLabels);
            Assert.Null(settings.TopologySpreadConstraints![0].LabelSelector); // the caller's object is not changed

            // Pod labels and annotations are on the pods only; the other objects and every selector are as before.
            Assert.Equal(EngulaComponents.Name(after.Kind), pod.Metadata.Labels["tier"]);
            Assert.Equal(new Dictionary<string, string> { ["example.com/backup"] = "daily" }, pod.Metadata.Annotations);
            Assert.All(after.All, o => Assert.False(o.Metadata.Labels.ContainsKey("tier")));
            Assert.Equal(before.StatefulSet.Spec.Selector.MatchLabels, after.StatefulSet.Spec.Selector.MatchLabels);
            Assert.Equal(before.Service.Spec.Selector, after.Service.Spec.Selector);

            // Without settings the pod spec has none of these fields.
            var plainPod = before.StatefulSet.Spec.Template;
            Assert.Null(plainPod.Spec.NodeSelector);
            Assert.Null(plainPod.Spec.Tolerations);
            Assert.Null(plainPod.Spec.Affinity);
            Assert.Null(plainPod.Spec.TopologySpreadConstraints);
            Assert.Null(plainPod.Spec.PriorityClassName);
            Assert.Null(plainPod.Metadata.Annotations);
        }
    }

    [Fact]
    public void A_spread_constraint_with_its_own_selector_keeps_it()
    {
        var own = new k8s.Models.V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "engula" } };
        var cluster = Samples.ClusterSample() with
        {
            Components = [.. Samples.AllFour().Select(c => c with
            {
                Pod = new EngulaPodSettings { TopologySpreadConstraints = [new() { MaxSkew = 2, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = "DoNotSchedule", LabelSelector = own }] },
            })],
        };

        var spread = Assert.Single(EngulaObjects.BuildComponent(cluster, EngulaComponentKind.Kernel).StatefulSet.Spec.Template.Spec.TopologySpreadConstraints);
        Assert.Equal(own.MatchLabels, spread.LabelSelector.MatchLabels);
        Assert.Equal(2, spread.MaxSkew);
    }

    [Fact]
    public void NetworkPolicy_admits_only_kernel_and_engine_to_grpc_ports_and_anyone_to_http_and_admin()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());
        var podLabels = objects.Components.ToDictionary(c => c.Kind, c => c.StatefulSet.Spec.Template.Metadata.Labels);

        foreach (var component in objects.Components.Where(c => c.Kind != EngulaComponentKind.Engine))
        {
            var policy = component.NetworkPolicy.Spec;
            Assert.Equal(["Ingress"], policy.PolicyTypes);
            Assert.Equal(2, policy.Ingress.Count);

            var grpc = policy.Ingress[0];
            Assert.Equal("grpc", Assert.Single(grpc.Ports).Port.Value);
            var from = Assert.Single(grpc.FromProperty).PodSelector;
            Assert.True(Matches(from, podLabels[EngulaComponentKind.Kernel]));
            Assert.True(Matches(from, podLabels[EngulaComponentKind.Engine]));
            Assert.False(Matches(from, podLabels[EngulaComponentKind.Journal]));
            Assert.False(Matches(from, podLabels[EngulaComponentKind.Storage]));
            var otherCluster = new Dictionary<string, string>(podLabels[EngulaComponentKind.Engine]) { ["app.kubernetes.io/instance"] = "other" };
            Assert.False(Matches(from, otherCluster));

            var admin = policy.Ingress[1];
            Assert.Null(admin.FromProperty);
            Assert.Equal("admin", Assert.Single(admin.Ports).Port.Value);
        }

        var engine = objects.Components.Single(c => c.Kind == EngulaComponentKind.Engine).NetworkPolicy.Spec;
        var http = Assert.Single(engine.Ingress);
        Assert.Null(http.FromProperty);
        Assert.Equal("http", Assert.Single(http.Ports).Port.Value);
    }

    [Fact]
    public void Pods_run_non_root_read_only_without_capabilities_or_service_account_token()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());
        Assert.False(objects.ServiceAccount.AutomountServiceAccountToken);

        foreach (var component in objects.Components)
        {
            var pod = component.StatefulSet.Spec.Template.Spec;
            Assert.Equal("cluster-sample-sa", pod.ServiceAccountName);
            Assert.False(pod.AutomountServiceAccountToken);
            Assert.False(pod.EnableServiceLinks);
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.Equal(10001, pod.SecurityContext.RunAsUser);
            Assert.Equal(10001, pod.SecurityContext.RunAsGroup);
            Assert.Equal(10001, pod.SecurityContext.FsGroup);
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);

            var security = Container(component).SecurityContext;
            Assert.False(security.AllowPrivilegeEscalation);
            Assert.True(security.ReadOnlyRootFilesystem);
            Assert.True(security.RunAsNonRoot);
            Assert.Equal(["ALL"], security.Capabilities.Drop);
            Assert.Null(security.Capabilities.Add);
            Assert.Null(security.Privileged);

            // A read-only root needs a writable /tmp.
            var tmp = Assert.Single(pod.Volumes);
            Assert.NotNull(tmp.EmptyDir);
            Assert.Contains(Container(component).VolumeMounts, m => m.Name == tmp.Name && m.MountPath == "/tmp");
        }
    }

    [Fact]
    public void Probes_use_http_on_the_admin_port_or_the_engines_own_port()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());
        foreach (var component in objects.Components)
        {
            var container = Container(component);
            string port = component.Kind == EngulaComponentKind.Engine ? "http" : "admin";
            Assert.Contains(container.Ports, p => p.Name == port);
            Assert.Equal(("/health", port), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
            Assert.Equal(("/alive", port), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
            Assert.Equal(("/alive", port), (container.StartupProbe.HttpGet.Path, container.StartupProbe.HttpGet.Port.Value));
            // Generous startup budget for recovery: at least 5 minutes.
            Assert.True(container.StartupProbe.PeriodSeconds * container.StartupProbe.FailureThreshold >= 300);
            Assert.All(new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }, p =>
            {
                Assert.Null(p.Exec);
                Assert.Null(p.TcpSocket);
                Assert.Null(p.Grpc);
            });
        }
    }

    [Fact]
    public void Stateful_components_get_a_data_claim_template_at_data_and_the_engine_none()
    {
        var objects = EngulaObjects.Build(Samples.CustomPorts());
        foreach (var component in objects.Components)
        {
            var sts = component.StatefulSet.Spec;
            var mounts = Container(component).VolumeMounts;
            if (component.Kind == EngulaComponentKind.Engine)
            {
                Assert.Null(sts.VolumeClaimTemplates);
                Assert.DoesNotContain(mounts, m => m.MountPath == "/data");
                continue;
            }

            var claim = Assert.Single(sts.VolumeClaimTemplates);
            Assert.Equal("data", claim.Metadata.Name);
            Assert.Equal(sts.Selector.MatchLabels, claim.Metadata.Labels);
            Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
            Assert.Contains(mounts, m => m.Name == "data" && m.MountPath == "/data");
            Assert.DoesNotContain(sts.Template.Spec.Volumes, v => v.Name == "data");
            if (component.Kind == EngulaComponentKind.Storage)
            {
                Assert.Equal("5Gi", claim.Spec.Resources.Requests["storage"].ToString());
                Assert.Equal("fast-ssd", claim.Spec.StorageClassName);
            }
            else
            {
                Assert.Equal("1Gi", claim.Spec.Resources.Requests["storage"].ToString());
                Assert.Null(claim.Spec.StorageClassName);
            }
        }
    }

    [Fact]
    public void StatefulSets_start_in_order_roll_updates_and_keep_the_given_replicas_and_image()
    {
        var cluster = Samples.ClusterSample() with
        {
            Components = [.. Samples.AllFour().Select(c => c.Kind == EngulaComponentKind.Journal ? c with { Replicas = 0, ImagePullPolicy = "Always" } : c)],
        };
        var objects = EngulaObjects.Build(cluster);
        foreach (var component in objects.Components)
        {
            var sts = component.StatefulSet.Spec;
            Assert.Equal("OrderedReady", sts.PodManagementPolicy);
            Assert.Equal("RollingUpdate", sts.UpdateStrategy.Type);
            Assert.Equal(component.Kind == EngulaComponentKind.Journal ? 0 : 1, sts.Replicas);
            Assert.Equal(Samples.Image, Container(component).Image);
            Assert.Equal(component.Kind == EngulaComponentKind.Journal ? "Always" : "IfNotPresent", Container(component).ImagePullPolicy);
            Assert.Equal(60, sts.Template.Spec.TerminationGracePeriodSeconds);
        }
    }

    [Fact]
    public void Resources_default_to_requests_and_limits_and_given_ones_are_copied()
    {
        var given = new V1ResourceRequirements
        {
            Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("2Gi") },
            Requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("1Gi"), ["cpu"] = new("250m") },
        };
        var cluster = Samples.Bare() with
        {
            Components = [.. Samples.AllFour().Select(c => c.Kind == EngulaComponentKind.Kernel ? c with { Resources = given } : c)],
        };
        var objects = EngulaObjects.Build(cluster);

        var journal = Container(objects.Components[0]).Resources;
        Assert.Equal(["cpu", "memory"], journal.Requests.Keys);
        Assert.Equal(["cpu", "memory"], journal.Limits.Keys);
        Assert.True(journal.Requests["memory"].ToDecimal() <= journal.Limits["memory"].ToDecimal());

        var kernel = Container(objects.Components[2]).Resources;
        Assert.Equal(["cpu", "memory"], kernel.Requests.Keys); // sorted copy
        Assert.Equal("250m", kernel.Requests["cpu"].ToString());
        Assert.NotSame(given.Requests, kernel.Requests);
    }

    [Fact]
    public void PodDisruptionBudgets_block_eviction_of_stateful_pods_and_allow_one_engine()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());
        foreach (var component in objects.Components)
        {
            var spec = component.PodDisruptionBudget.Spec;
            Assert.Null(spec.MinAvailable);
            Assert.Equal(component.Kind == EngulaComponentKind.Engine ? 1 : 0, spec.MaxUnavailable.ToInt());
        }
    }

    [Fact]
    public void Owner_references_and_namespace_reach_every_object()
    {
        var clusterOwner = new V1OwnerReference { ApiVersion = "cluster.engula.io/v1alpha1", Kind = "Cluster", Name = "c", Uid = "u-1", Controller = true };
        var kernelOwner = new V1OwnerReference { ApiVersion = "cluster.engula.io/v1alpha1", Kind = "Kernel", Name = "c-kernel", Uid = "u-2", Controller = true, BlockOwnerDeletion = true };
        var cluster = Samples.ClusterSample("ns1") with
        {
            Owner = clusterOwner,
            Components = [.. Samples.AllFour().Select(c => c.Kind == EngulaComponentKind.Kernel ? c with { Owner = kernelOwner } : c)],
        };

        var objects = EngulaObjects.Build(cluster);
        Assert.Equal(clusterOwner, Assert.Single(objects.ServiceAccount.Metadata.OwnerReferences));
        Assert.All(objects.All, o => Assert.Equal("ns1", o.Metadata.NamespaceProperty));
        var kernel = EngulaObjects.BuildComponent(cluster, EngulaComponentKind.Kernel);
        Assert.All(kernel.All, o => Assert.Equal(kernelOwner, Assert.Single(o.Metadata.OwnerReferences)));
        Assert.All(kernel.All, o => Assert.NotSame(kernelOwner, o.Metadata.OwnerReferences[0]));
        Assert.All(objects.Components[0].All, o => Assert.Null(o.Metadata.OwnerReferences));
    }

    [Fact]
    public void BuildComponent_and_BuildServiceAccount_give_the_same_objects_as_Build()
    {
        var cluster = Samples.CustomPorts("ns2");
        var all = EngulaObjects.Build(cluster);
        foreach (var component in all.Components)
        {
            var single = EngulaObjects.BuildComponent(cluster, component.Kind);
            Assert.Equal(EngulaYaml.Write(component), EngulaYaml.Write(single));
            Assert.Equal(component.Address, single.Address);
        }

        Assert.Equal(EngulaYaml.Write([all.ServiceAccount]), EngulaYaml.Write([EngulaObjects.BuildServiceAccount(cluster)]));
        Assert.Equal("dns:///custom-kernel:17001", all.Components.Single(c => c.Kind == EngulaComponentKind.Kernel).Address);
    }

    [Fact]
    public void Kubecluster_is_left_out_when_peer_Services_do_not_follow_the_cluster_prefix()
    {
        var renamed = Samples.ClusterSample() with
        {
            Components = [.. Samples.AllFour().Select(c => c.Kind == EngulaComponentKind.Journal ? c with { Name = "my-journal" } : c)],
        };
        var objects = EngulaObjects.Build(renamed);
        var kernelEnv = Container(objects.Components.Single(c => c.Kind == EngulaComponentKind.Kernel)).Env;
        Assert.DoesNotContain(kernelEnv, e => e.Name == "kubecluster");
        Assert.Equal("dns:///my-journal:24570", kernelEnv.Single(e => e.Name == "ENGULA_JOURNAL").Value);

        Assert.All(EngulaObjects.Build(Samples.Bare()).Components, c => Assert.DoesNotContain(Container(c).Env, e => e.Name == "kubecluster"));
    }

    public static TheoryData<string> AllSamples() => ["cluster-sample", "bare", "custom-ports"];

    private static EngulaCluster SampleByName(string name) => name switch
    {
        "cluster-sample" => Samples.ClusterSample(),
        "bare" => Samples.Bare(),
        _ => Samples.CustomPorts(),
    };

    private static string PeerKind(ClusterObjects objects, string serviceName) =>
        EngulaComponents.Name(objects.Components.Single(c => c.Service.Metadata.Name == serviceName).Kind);

    private static V1Container Container(ComponentObjects component) => Assert.Single(component.StatefulSet.Spec.Template.Spec.Containers);

    private static (string Name, string? Value)[] Env(ComponentObjects component) =>
        [.. Container(component).Env.Select(e => (e.Name, e.Value))];

    /// <summary>Label-selector semantics (matchLabels AND matchExpressions with In).</summary>
    private static bool Matches(V1LabelSelector selector, IDictionary<string, string> labels) =>
        (selector.MatchLabels ?? new Dictionary<string, string>()).All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value)
        && (selector.MatchExpressions ?? []).All(e =>
            e.OperatorProperty == "In" && labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v));
}
