using System.Globalization;
using System.Text.Json;

namespace Engula.Operator.Reconcilers;

/// <summary>
/// Journal, Storage, Kernel, Engine (and Background): the component resource → its ServiceAccount, Service,
/// StatefulSet, PodDisruptionBudget and NetworkPolicy, built by <see cref="EngulaObjects"/> (the publisher's
/// builders), applied only when the live object differs, and the status with Ready/Progressing/Degraded.
/// Bootstrap order: a kernel's workload is created once its journal and storage are Ready, an engine's once its
/// kernel is. Refusals (changes the operator will not make, see deploy/operator/README.md) leave the workload as it is and say why in Degraded.
/// </summary>
internal sealed partial class ComponentReconciler(Caches caches, KubeApi api, ApiCapabilities capabilities, TimeProvider time, ILogger logger, TimeSpan rolloutTimeout)
{
    /// <summary>Reconciles one component; returns when to look again without an event, if ever.</summary>
    public async Task<TimeSpan?> ReconcileAsync(ResourceKind kind, string ns, string name, CancellationToken ct)
    {
        var resource = caches.Components[kind].Get(ns, name);
        if (resource is null || resource.Metadata.DeletionTimestamp is not null)
        {
            // Gone or going: its objects are collected through their ownerReferences.
            return null;
        }

        if (kind == ResourceKind.Background)
        {
            await WriteStatusAsync(kind, resource, null, new ComponentOutcome { Unsupported = true }, created: false, ct);
            return null;
        }

        var componentKind = kind.ToComponentKind()!.Value;
        var live = caches.StatefulSets.Get(ns, name);
        string? pausedBy = EngulaApi.IsPaused(resource.Metadata) ? $"{EngulaApi.PausedAnnotation} is true on this {kind.KindName()}"
            : EngulaApi.IsPaused(OwningCluster(resource)?.Metadata) ? $"{EngulaApi.PausedAnnotation} is true on its Cluster"
            : null;
        if (pausedBy is not null)
        {
            await WriteStatusAsync(kind, resource, live, new ComponentOutcome { Paused = pausedBy + ": the operator changes nothing for it" }, created: false, ct);
            return null;
        }

        if (live?.Metadata.DeletionTimestamp is not null)
        {
            // Being deleted with its pods orphaned (a volume expansion): created again once it is gone.
            await WriteStatusAsync(kind, resource, live, new ComponentOutcome { Volumes = new VolumeState(Recreating: true) }, created: false, ct);
            return TimeSpan.FromSeconds(1);
        }

        var (outcome, objects, cluster) = Decide(kind, componentKind, resource, live);
        bool created = false;
        if (objects is not null && cluster is not null)
        {
            var volumes = await PlanVolumesAsync(objects.StatefulSet, live, ct);
            outcome = outcome with { Volumes = volumes };
            if (volumes.Recreating)
            {
                await WriteStatusAsync(kind, resource, live, outcome, created: false, ct);
                return TimeSpan.FromSeconds(1);
            }

            var rollout = PlanRollout(resource, componentKind, objects.StatefulSet, live);
            outcome = outcome with { Rollout = rollout };
            (live, created) = await ApplyAsync(objects, cluster, live, ct);
            await ReplaceAbandonedPodsAsync(resource, live, ct);
            if (capabilities.PodDisruptionBudgetVersion is null && outcome.DegradedReason is null)
            {
                outcome = outcome with
                {
                    Note = "PodDisruptionBudgetUnavailable",
                    NoteMessage = "the API server serves neither policy/v1 nor policy/v1beta1: no PodDisruptionBudget was created",
                };
            }
        }

        await WriteStatusAsync(kind, resource, live, outcome, created, ct);
        return outcome.Rollout?.RecheckAfter;
    }

    /// <summary>The decision: which replicas, whether to wait or refuse, and the objects to apply (null: apply nothing).</summary>
    private (ComponentOutcome Outcome, ComponentObjects? Objects, EngulaCluster? Cluster) Decide(ResourceKind kind, EngulaComponentKind componentKind, ComponentResource resource, V1StatefulSet? live)
    {
        string ns = resource.Metadata.NamespaceProperty;
        string? instance = Caches.Instance(resource);
        var members = caches.ClusterMembers(ns, instance);
        string clusterText = instance is null ? "this namespace's unlabeled components" : $"cluster '{instance}'";
        var duplicates = members.GroupBy(m => m.Kind).Where(g => g.Count() > 1).ToList();
        if (duplicates.Count > 0)
        {
            var g = duplicates[0];
            return (Invalid($"{clusterText} has more than one {g.Key.ToLowerInvariant()}: {string.Join(", ", g.Select(m => m.Metadata.Name).Order(StringComparer.Ordinal))}"), null, null);
        }

        // A Cluster's components name each other's Services and ports in their env: wait until every section of the
        // Cluster has its resource in the cache, or the first StatefulSet would be built without its peers and then
        // rolled again when they appear.
        if (OwningCluster(resource) is { } owner)
        {
            var missing = ExpectedKinds(owner).Where(k => members.All(m => m.Kind != k.KindName())).ToList();
            if (missing.Count > 0 && live is null)
            {
                return (new ComponentOutcome { Waiting = "waiting for the Cluster's " + string.Join(", ", missing.Select(k => k.Singular())) + " resource" }, null, null);
            }
        }

        if (resource.Spec.Image?.Name is not { Length: > 0 })
        {
            return (Invalid("spec.image.name is required (a component made by a Cluster inherits the Cluster's spec.image)"), null, null);
        }

        int desired = resource.Spec.Replicas ?? 1;
        int? current = live?.Spec?.Replicas;
        int effective = desired;
        string? refusal = null;
        string? refusalMessage = null;
        if (componentKind is EngulaComponentKind.Kernel or EngulaComponentKind.Engine && desired > 1)
        {
            effective = Math.Min(current ?? 1, 1);
            refusal = "TooManyReplicas";
            refusalMessage = $"spec.replicas is {desired}: v0.2 runs exactly one {kind.Singular()} per cluster "
                + (componentKind == EngulaComponentKind.Engine ? "(the engine is the single writer of its stream)" : "(more kernels would diverge)")
                + $"; running {effective}";
        }
        else if (componentKind is not EngulaComponentKind.Engine && current is int running && desired < running)
        {
            effective = running;
            refusal = "ScaleDownRefused";
            refusalMessage = $"spec.replicas is {desired} but {running} run: a {kind.Singular()} pod holds the only copy of its data in v0.2, "
                + $"so scaling down would lose data; still running {running}";
        }

        // Peers the builders need (their env names the peers' Services) and the bootstrap order.
        var waitingFor = new List<string>();
        foreach (var need in componentKind.Peers())
        {
            string needKind = need.ToResourceKind().KindName();
            var peer = members.FirstOrDefault(m => m.Kind == needKind);
            if (peer is null)
            {
                waitingFor.Add($"a {EngulaComponents.Name(need)} resource in {clusterText}");
            }
            else if (live is null && !Conditions.IsTrue(peer.Status?.Conditions, Conditions.Ready))
            {
                // Only before the first start: a running component is not torn down when a peer becomes unready.
                waitingFor.Add($"{EngulaComponents.Name(need)} {peer.Metadata.Name} to be Ready");
            }
        }

        if (waitingFor.Count > 0)
        {
            string message = "waiting for " + string.Join(" and ", waitingFor);
            // A running component whose peer resource was deleted keeps running: its objects cannot be rebuilt.
            return live is null
                ? (new ComponentOutcome { Waiting = message }, null, null)
                : (new ComponentOutcome { Effective = current, DegradedReason = "MissingDependency", DegradedMessage = message + "; the workload is left unchanged" }, null, null);
        }

        EngulaCluster cluster;
        try
        {
            cluster = new EngulaCluster
            {
                Name = instance,
                Namespace = ns,
                ManagedBy = EngulaApi.ManagedBy,
                Owner = ServiceAccountOwner(resource),
                Components = [.. members.Select(m => ToComponent(m, m == resource || m.Metadata.Uid == resource.Metadata.Uid ? effective : null, resource))],
            };
            var objects = EngulaObjects.BuildComponent(cluster, componentKind);
            return (new ComponentOutcome { Effective = effective, DegradedReason = refusal, DegradedMessage = refusalMessage }, objects, cluster);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return (Invalid(e.Message) with { Effective = current }, null, null);
        }
    }

    private ClusterResource? OwningCluster(ComponentResource resource) =>
        resource.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == "Cluster" && o.ApiVersion == EngulaApi.ApiVersion) is { } reference
        && caches.Clusters.Get(resource.Metadata.NamespaceProperty, reference.Name) is { } cluster
        && cluster.Metadata.Uid == reference.Uid
            ? cluster
            : null;

    private static IEnumerable<ResourceKind> ExpectedKinds(ClusterResource cluster)
    {
        if (cluster.Spec.Journal is not null)
        {
            yield return ResourceKind.Journal;
        }

        if (cluster.Spec.Storage is not null)
        {
            yield return ResourceKind.Storage;
        }

        if (cluster.Spec.Kernel is not null)
        {
            yield return ResourceKind.Kernel;
        }

        if (cluster.Spec.Engine is not null)
        {
            yield return ResourceKind.Engine;
        }
    }

    private static ComponentOutcome Invalid(string message) => new() { DegradedReason = "InvalidSpec", DegradedMessage = message };

    /// <summary>
    /// One member of the cluster as the builders see it. <paramref name="effective"/> is set for the component being
    /// reconciled (its replicas after refusals, and its owner); peers only contribute their names and ports.
    /// </summary>
    private static EngulaComponent ToComponent(ComponentResource member, int? effective, ComponentResource self) =>
        ComponentSpecMapping.ToComponent(
            ResourceKinds.Parse(member.Kind).ToComponentKind()!.Value,
            member.Metadata.Name,
            member.Spec,
            // A peer's image does not reach our objects; a peer without one must not make our build fail.
            self.Spec.Image!.Name!,
            effective ?? Math.Max(member.Spec.Replicas ?? 1, 0),
            // Only the component being reconciled: a peer's settings never reach our objects.
            ownSettings: effective is not null,
            effective is null ? null : OwnerOf(self, member.Kind));

    private static V1OwnerReference OwnerOf(ComponentResource resource, string kind) => new()
    {
        ApiVersion = EngulaApi.ApiVersion,
        Kind = kind,
        Name = resource.Metadata.Name,
        Uid = resource.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>
    /// The ServiceAccount is shared by a cluster's components; it is owned by their Cluster, so every component
    /// computes the same owner. Components made by hand (no Cluster) leave it unowned: several owners applied by
    /// the same field manager would replace each other on every reconcile.
    /// </summary>
    private static V1OwnerReference? ServiceAccountOwner(ComponentResource resource)
    {
        var cluster = resource.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == "Cluster" && o.ApiVersion == EngulaApi.ApiVersion);
        return cluster is null ? null : new V1OwnerReference
        {
            ApiVersion = cluster.ApiVersion,
            Kind = cluster.Kind,
            Name = cluster.Name,
            Uid = cluster.Uid,
            Controller = true,
            BlockOwnerDeletion = true,
        };
    }

    /// <summary>Applies the objects the live state lacks; returns the StatefulSet as it now is and whether it was created.</summary>
    private async Task<(V1StatefulSet? StatefulSet, bool Created)> ApplyAsync(ComponentObjects objects, EngulaCluster cluster, V1StatefulSet? live, CancellationToken ct)
    {
        string ns = objects.StatefulSet.Metadata.NamespaceProperty;
        // The ServiceAccount first: the StatefulSet controller cannot create pods that name a missing one.
        var serviceAccount = EngulaObjects.BuildServiceAccount(cluster);
        if (!JsonSubset.Contains(await api.GetServiceAccountAsync(ns, serviceAccount.Metadata.Name, ct), serviceAccount, out _))
        {
            await api.ApplyServiceAccountAsync(serviceAccount, ct);
        }

        if (!JsonSubset.Contains(caches.Services.Get(ns, objects.Service.Metadata.Name), objects.Service, out string serviceDiff))
        {
            LogApply(logger, "Service", ns, objects.Name, serviceDiff);
            await api.ApplyServiceAsync(objects.Service, ct);
        }

        bool created = live is null;
        if (!JsonSubset.Contains(live, objects.StatefulSet, out string stsDiff))
        {
            LogApply(logger, "StatefulSet", ns, objects.Name, stsDiff);
            live = await api.ApplyStatefulSetAsync(objects.StatefulSet, ct);
        }

        if (capabilities.PodDisruptionBudgetVersion is { } pdbVersion)
        {
            var pdb = objects.PodDisruptionBudget;
            var livePdb = await api.GetAsync("policy", pdbVersion, ns, "poddisruptionbudgets", pdb.Metadata.Name, ct);
            // Compared as the version it is applied as.
            pdb.ApiVersion = "policy/" + pdbVersion;
            if (!JsonSubset.Contains(livePdb, pdb, out _))
            {
                await api.ApplyPodDisruptionBudgetAsync(pdb, pdbVersion, ct);
            }
        }

        if (capabilities.NetworkPolicies)
        {
            var policy = objects.NetworkPolicy;
            if (!JsonSubset.Contains(await api.GetAsync("networking.k8s.io", "v1", ns, "networkpolicies", policy.Metadata.Name, ct), policy, out _))
            {
                await api.ApplyNetworkPolicyAsync(policy, ct);
            }
        }

        if (capabilities.PodMonitors)
        {
            var monitor = objects.PodMonitor;
            try
            {
                if (!JsonSubset.Contains(await api.GetAsync(PodMonitor.Group, PodMonitor.Version, ns, PodMonitor.Plural, monitor.Metadata.Name, ct), monitor, out _))
                {
                    await api.ApplyPodMonitorAsync(monitor, ct);
                }
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response?.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // The Prometheus Operator was uninstalled after start-up: monitoring is optional, the workload is not.
                LogPodMonitorsGone(logger, ns, objects.Name);
            }
        }

        return (live, created);
    }

    private async Task WriteStatusAsync(ResourceKind kind, ComponentResource resource, V1StatefulSet? sts, ComponentOutcome outcome, bool created, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        long? generation = resource.Metadata.Generation;
        var old = resource.Status?.Conditions;
        int ready = sts?.Status?.ReadyReplicas ?? 0;
        int running = sts?.Status?.Replicas ?? 0;
        bool current = sts is not null && (sts.Status?.ObservedGeneration ?? 0) >= (sts.Metadata.Generation ?? 0);
        int effective = outcome.Effective ?? sts?.Spec?.Replicas ?? 0;
        bool isReady = sts is not null && effective > 0 && ready >= effective && current;

        V1Condition readyCondition, progressing, degraded;
        if (outcome.Unsupported)
        {
            const string message = "v0.2 has no background component: the resource is accepted and creates nothing";
            readyCondition = Conditions.Make(old, Conditions.Ready, false, "Unsupported", message, generation, now);
            progressing = Conditions.Make(old, Conditions.Progressing, false, "Unsupported", message, generation, now);
            degraded = Conditions.Make(old, Conditions.Degraded, false, "Unsupported", message, generation, now);
        }
        else
        {
            readyCondition = outcome.Waiting is not null && sts is null
                ? Conditions.Make(old, Conditions.Ready, false, "WaitingForDependencies", outcome.Waiting, generation, now)
                : sts is null
                    ? Conditions.Make(old, Conditions.Ready, false, outcome.DegradedReason ?? "NoWorkload", outcome.DegradedMessage ?? "no StatefulSet yet", generation, now)
                    : isReady
                        ? Conditions.Make(old, Conditions.Ready, true, "Ready", $"{ready}/{effective} pods ready", generation, now)
                        : effective == 0
                            ? Conditions.Make(old, Conditions.Ready, false, "ScaledToZero", "spec.replicas is 0", generation, now)
                            : Conditions.Make(old, Conditions.Ready, false, "PodsNotReady", $"{ready}/{effective} pods ready", generation, now);
            var rollout = outcome.Rollout;
            progressing = outcome.Paused is not null
                ? Conditions.Make(old, Conditions.Progressing, false, EngulaApi.PausedReason, outcome.Paused, generation, now)
                : outcome.Volumes?.Recreating == true
                ? Conditions.Make(old, Conditions.Progressing, true, "ExpandingVolumes",
                    "the data volume claims were grown; the StatefulSet is re-created with the new claim template and adopts its pods unchanged", generation, now)
                : rollout?.Stuck is { } stuck
                ? Conditions.Make(old, Conditions.Progressing, true, "RolloutStuck", stuck, generation, now)
                : rollout?.HeldBy is { } heldBy
                ? Conditions.Make(old, Conditions.Progressing, true, "WaitingForRollout",
                    $"a new pod template waits for {heldBy}: components roll one at a time, journal, storage, kernel, engine", generation, now)
                : rollout?.Rolling is { } rolling
                ? Conditions.Make(old, Conditions.Progressing, true, "RollingOut", rolling, generation, now)
                : outcome.Waiting is not null && sts is null
                ? Conditions.Make(old, Conditions.Progressing, true, "WaitingForDependencies", outcome.Waiting, generation, now)
                : sts is not null && !isReady && effective > 0
                    ? Conditions.Make(old, Conditions.Progressing, true, "WaitingForPods",
                        $"waiting for {effective - Math.Min(ready, effective)} of {effective} pods of StatefulSet {sts.Metadata.Name} to be Ready", generation, now)
                    : Conditions.Make(old, Conditions.Progressing, false, outcome.DegradedReason is not null && sts is null ? outcome.DegradedReason : "Complete",
                        outcome.DegradedReason is not null && sts is null ? outcome.DegradedMessage! : "nothing in progress", generation, now);
            degraded = outcome.DegradedReason is not null
                ? Conditions.Make(old, Conditions.Degraded, true, outcome.DegradedReason, outcome.DegradedMessage!, generation, now)
                : outcome.Volumes?.RefusedReason is { } volumeReason
                ? Conditions.Make(old, Conditions.Degraded, true, volumeReason, outcome.Volumes.RefusedMessage!, generation, now)
                : outcome.Rollout?.Stuck is { } halted
                ? Conditions.Make(old, Conditions.Degraded, true, "RolloutStuck", halted, generation, now)
                : Conditions.Make(old, Conditions.Degraded, false, outcome.Note ?? "AsExpected", outcome.NoteMessage ?? "no refusals, spec valid", generation, now);
        }

        var status = new ComponentStatus
        {
            ObservedGeneration = generation,
            Replicas = running,
            ReadyReplicas = ready,
            CurrentRevision = sts?.Status?.CurrentRevision,
            UpdateRevision = sts?.Status?.UpdateRevision,
            UpdatedReplicas = sts?.Status?.UpdatedReplicas,
            Selector = sts?.Spec?.Selector?.MatchLabels is { } labels
                ? string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value))
                : null,
            Conditions = [readyCondition, progressing, degraded],
        };

        if (created && sts is not null)
        {
            await api.EventAsync(resource, "Normal", "Created", $"created StatefulSet and Service {sts.Metadata.Name}", ct);
        }

        if (!StatusDiff.SameComponentStatus(resource.Status, status))
        {
            // The Event first: whoever sees the new status can also find the Event (a failed status write retries both,
            // and the API server aggregates a repeated Event).
            await StatusDiff.TransitionEventsAsync(api, resource, old, status.Conditions, ct);
            await api.ApplyStatusAsync(kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, status, ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "applying {Kind} {Namespace}/{Name}: differs at {Path}")]
    private static partial void LogApply(ILogger logger, string kind, string @namespace, string name, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no PodMonitor for {Namespace}/{Name}: the monitoring.coreos.com/v1 API is gone since start-up; restart the operator once it is back")]
    private static partial void LogPodMonitorsGone(ILogger logger, string @namespace, string name);
}
