using System.Globalization;

namespace Engula.Operator.Reconcilers;

/// <summary>
/// A Cluster → one component resource <c>&lt;cluster&gt;-&lt;component&gt;</c> per present section (owned by the
/// Cluster, so deleting it collects everything), and the Cluster's status aggregated from its components.
/// The whole description is validated with the builders first: an invalid Cluster creates nothing.
/// </summary>
internal sealed class ClusterReconciler(Caches caches, KubeApi api, TimeProvider time)
{
    public async Task ReconcileAsync(string ns, string name, CancellationToken ct)
    {
        var cluster = caches.Clusters.Get(ns, name);
        if (cluster is null || cluster.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        var sections = Sections(cluster);
        string? invalid = Validate(cluster, sections);
        bool paused = EngulaApi.IsPaused(cluster.Metadata);
        if (invalid is null && !paused)
        {
            foreach (var (kind, spec) in sections)
            {
                var desired = Desired(cluster, kind, spec);
                var live = caches.Components[kind].Get(ns, desired.Metadata.Name);
                if (!JsonSubset.Contains(live, desired, out _))
                {
                    await api.ApplyComponentAsync(kind, desired, ct);
                }
            }

            // A section removed from the Cluster removes its component resource (and through garbage collection its
            // workload; volume claims stay). Only a resource this Cluster controls: a namesake someone else made is left.
            foreach (var kind in ResourceKinds.Components.Where(k => sections.All(s => s.Kind != k)))
            {
                string componentName = $"{cluster.Metadata.Name}-{kind.Singular()}";
                if (caches.Components[kind].Get(ns, componentName) is { } orphan && orphan.Metadata.DeletionTimestamp is null
                    && orphan.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == cluster.Metadata.Uid) == true)
                {
                    await api.DeleteComponentAsync(kind, ns, componentName, orphan.Metadata.Uid, ct);
                    await api.EventAsync(cluster, "Normal", "Removed", $"spec.{kind.Singular()} was removed: deleted {kind.KindName()} {componentName}", ct);
                }
            }
        }

        await WriteStatusAsync(cluster, sections, invalid, paused, ct);
    }

    /// <summary>The present sections with the Cluster's defaults filled in (image inherited, port defaulted).</summary>
    private static List<(ResourceKind Kind, ComponentSpec Spec)> Sections(ClusterResource cluster)
    {
        var result = new List<(ResourceKind, ComponentSpec)>();
        foreach (var kind in ResourceKinds.Components)
        {
            ComponentSpec? section = kind switch
            {
                ResourceKind.Journal => Copy(cluster.Spec.Journal),
                ResourceKind.Storage => Copy(cluster.Spec.Storage),
                ResourceKind.Kernel => Copy(cluster.Spec.Kernel),
                ResourceKind.Engine => Copy(cluster.Spec.Engine),
                _ => cluster.Spec.Background is { } b ? new ComponentSpec { Replicas = b.Replicas, Image = Copy(b.Image), Port = b.Port, Resource = Copy(b.Resource) } : null,
            };
            if (section is null)
            {
                continue;
            }

            if (section.Image is null && cluster.Spec.Image is not null)
            {
                section.Image = Copy(cluster.Spec.Image);
            }

            if (section.Image is not null)
            {
                // The original defaulted pullPolicy in memory only; here it is written into the component resource.
                section.Image.PullPolicy ??= "IfNotPresent";
            }

            if (kind != ResourceKind.Background)
            {
                section.Pod = MergePod(Copy(cluster.Spec.Pod), section.Pod);
            }

            section.Port ??= kind.DefaultPort();
            section.Replicas ??= 1;
            result.Add((kind, section));
        }

        return result;
    }

    /// <summary>
    /// A section's pod settings over the Cluster's defaults: a field the section sets replaces the default (a list is
    /// not appended to: a section that sets tolerations says all of them); labels and annotations merge key by key,
    /// the section winning.
    /// </summary>
    private static PodSettings? MergePod(PodSettings? defaults, PodSettings? own)
    {
        if (defaults is null || own is null)
        {
            return own ?? defaults;
        }

        return new PodSettings
        {
            NodeSelector = own.NodeSelector ?? defaults.NodeSelector,
            Tolerations = own.Tolerations ?? defaults.Tolerations,
            Affinity = own.Affinity ?? defaults.Affinity,
            TopologySpreadConstraints = own.TopologySpreadConstraints ?? defaults.TopologySpreadConstraints,
            PriorityClassName = own.PriorityClassName ?? defaults.PriorityClassName,
            Labels = MergeMap(defaults.Labels, own.Labels),
            Annotations = MergeMap(defaults.Annotations, own.Annotations),
        };
    }

    private static Dictionary<string, string>? MergeMap(Dictionary<string, string>? defaults, Dictionary<string, string>? own)
    {
        if (defaults is null || own is null)
        {
            return own ?? defaults;
        }

        var merged = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
        foreach (var (key, value) in own)
        {
            merged[key] = value;
        }

        return merged;
    }

    private static T? Copy<T>(T? value) where T : class =>
        value is null ? null : KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));

    /// <summary>Null when the builders accept the description, else the reason (the first field at fault).</summary>
    private static string? Validate(ClusterResource cluster, List<(ResourceKind Kind, ComponentSpec Spec)> sections)
    {
        foreach (var (kind, spec) in sections)
        {
            if (kind != ResourceKind.Background && spec.Image?.Name is not { Length: > 0 })
            {
                return $"spec.{kind.Singular()}.image: no image, and the Cluster has no spec.image to inherit";
            }
        }

        var components = sections.Where(s => s.Kind != ResourceKind.Background).ToList();
        if (components.Count == 0)
        {
            return null;
        }

        try
        {
            EngulaObjects.Build(new EngulaCluster
            {
                Name = cluster.Metadata.Name,
                Namespace = cluster.Metadata.NamespaceProperty,
                ManagedBy = EngulaApi.ManagedBy,
                Components = [.. components.Select(s => ComponentSpecMapping.ToComponent(
                    s.Kind.ToComponentKind()!.Value, null, s.Spec, s.Spec.Image!.Name!, s.Spec.Replicas ?? 1, ownSettings: true, owner: null))],
            });
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static string? QuantityOf(Dictionary<string, System.Text.Json.JsonElement>? requests) =>
        requests is not null && requests.TryGetValue("storage", out var value)
            ? value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    /// <summary>
    /// The component resource for one section. Replicas: the Cluster's value is applied when the
    /// component is created and whenever the Cluster's value changes (remembered in an annotation); otherwise the
    /// component keeps its own (e.g. from <c>kubectl scale</c>). The last change wins.
    /// </summary>
    private ComponentResource Desired(ClusterResource cluster, ResourceKind kind, ComponentSpec spec)
    {
        string ns = cluster.Metadata.NamespaceProperty;
        string name = $"{cluster.Metadata.Name}-{kind.Singular()}";
        var live = caches.Components[kind].Get(ns, name);
        string clusterReplicas = spec.Replicas!.Value.ToString(CultureInfo.InvariantCulture);
        if (live?.Metadata.Annotations is { } annotations && annotations.TryGetValue(EngulaApi.ClusterReplicasAnnotation, out var applied)
            && applied == clusterReplicas && live.Spec.Replicas is { } own)
        {
            spec.Replicas = own;
        }

        return new ComponentResource
        {
            ApiVersion = EngulaApi.ApiVersion,
            Kind = kind.KindName(),
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>
                {
                    [EngulaLabels.Name] = "engula",
                    [EngulaLabels.Instance] = cluster.Metadata.Name,
                    [EngulaLabels.Component] = kind.Singular(),
                    [EngulaLabels.ManagedBy] = EngulaApi.ManagedBy,
                },
                Annotations = new Dictionary<string, string> { [EngulaApi.ClusterReplicasAnnotation] = clusterReplicas },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = EngulaApi.ApiVersion,
                        Kind = "Cluster",
                        Name = cluster.Metadata.Name,
                        Uid = cluster.Metadata.Uid,
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = spec,
        };
    }

    private async Task WriteStatusAsync(ClusterResource cluster, List<(ResourceKind Kind, ComponentSpec Spec)> sections, string? invalid, bool paused, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        long? generation = cluster.Metadata.Generation;
        var old = cluster.Status?.Conditions;
        var components = new Dictionary<string, ClusterComponentStatus>(StringComparer.Ordinal);
        var notReady = new List<string>();
        var progressing = new List<string>();
        var degraded = new List<(string Reason, string Text)>();
        foreach (var (kind, _) in sections)
        {
            string name = $"{cluster.Metadata.Name}-{kind.Singular()}";
            var component = invalid is null ? caches.Components[kind].Get(cluster.Metadata.NamespaceProperty, name) : null;
            var ready = Conditions.Find(component?.Status?.Conditions, Conditions.Ready);
            components[kind.Singular()] = new ClusterComponentStatus
            {
                Name = name,
                Replicas = component?.Status?.Replicas ?? 0,
                ReadyReplicas = component?.Status?.ReadyReplicas ?? 0,
                Ready = ready?.Status ?? "Unknown",
                Reason = ready?.Reason ?? (invalid is null ? "Pending" : "InvalidSpec"),
            };
            if (kind == ResourceKind.Background)
            {
                // Background is accepted but has no workload in v0.2: it does not hold the Cluster back.
                continue;
            }

            if (ready?.Status != "True")
            {
                notReady.Add($"{kind.Singular()} ({ready?.Reason ?? "Pending"})");
            }

            if (Conditions.Find(component?.Status?.Conditions, Conditions.Progressing) is { Status: "True" } p)
            {
                progressing.Add($"{kind.Singular()}: {p.Message}");
            }

            if (Conditions.Find(component?.Status?.Conditions, Conditions.Degraded) is { Status: "True" } d)
            {
                degraded.Add((d.Reason, $"{kind.Singular()}: {d.Message}"));
            }
        }

        bool hasComponents = sections.Any(s => s.Kind != ResourceKind.Background);
        V1Condition readyCondition, progressingCondition, degradedCondition;
        if (invalid is not null)
        {
            readyCondition = Conditions.Make(old, Conditions.Ready, false, "InvalidSpec", invalid, generation, now);
            progressingCondition = Conditions.Make(old, Conditions.Progressing, false, "InvalidSpec", "nothing is created until the spec is valid", generation, now);
            degradedCondition = Conditions.Make(old, Conditions.Degraded, true, "InvalidSpec", invalid, generation, now);
        }
        else
        {
            readyCondition = !hasComponents
                ? Conditions.Make(old, Conditions.Ready, false, "NoComponents", "the Cluster has no journal, storage, kernel or engine section", generation, now)
                : notReady.Count == 0
                    ? Conditions.Make(old, Conditions.Ready, true, "Ready", "every component is Ready", generation, now)
                    : Conditions.Make(old, Conditions.Ready, false, "ComponentsNotReady", "not ready: " + string.Join(", ", notReady), generation, now);
            progressingCondition = paused
                ? Conditions.Make(old, Conditions.Progressing, false, EngulaApi.PausedReason, $"{EngulaApi.PausedAnnotation} is true: the operator changes nothing for this Cluster or its components", generation, now)
                : progressing.Count > 0
                ? Conditions.Make(old, Conditions.Progressing, true, "Bootstrapping", string.Join("; ", progressing), generation, now)
                : Conditions.Make(old, Conditions.Progressing, false, "Complete", "nothing in progress", generation, now);
            degradedCondition = degraded.Count > 0
                ? Conditions.Make(old, Conditions.Degraded, true, degraded[0].Reason, string.Join("; ", degraded.Select(d => d.Text)), generation, now)
                : Conditions.Make(old, Conditions.Degraded, false, "AsExpected", "no component is degraded", generation, now);
        }

        var status = new ClusterStatus
        {
            ObservedGeneration = generation,
            Components = components,
            Conditions = [readyCondition, progressingCondition, degradedCondition],
        };
        if (!StatusDiff.SameClusterStatus(cluster.Status, status))
        {
            // The Event first: whoever sees the new status can also find the Event (a failed status write retries both,
            // and the API server aggregates a repeated Event).
            await StatusDiff.TransitionEventsAsync(api, cluster, old, status.Conditions, ct);
            await api.ApplyStatusAsync(ResourceKind.Cluster, cluster.Metadata.NamespaceProperty, cluster.Metadata.Name, status, ct);
        }
    }
}
