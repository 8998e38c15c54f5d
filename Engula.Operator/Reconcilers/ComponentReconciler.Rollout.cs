namespace Engula.Operator.Reconcilers;

/// <summary>
/// Gated rollouts. A change of a component's pod template (image, resources, settings) is applied only when every
/// component before it in the cluster's order — journal, storage, kernel, engine — has finished its own (its
/// resource reconciled at its latest generation and Progressing=False); until then the live template is kept, so the
/// component's pods are untouched. Once allowed, the StatefulSet's partition lets one pod at a time move to the new
/// revision, the highest ordinal first, and is lowered only when that pod is Ready on it. A pod of the new revision
/// that is not Ready within the rollout timeout halts the rollout: Degraded=True, reason RolloutStuck. Reverting or
/// fixing the spec recovers it; the operator then deletes the pod stuck on the abandoned revision, which the
/// StatefulSet controller would otherwise wait on forever (with OrderedReady it replaces a pod only once the pod is
/// Running and Ready, which a crash-looping pod never is).
/// </summary>
internal sealed partial class ComponentReconciler
{
    private const string RevisionLabel = "controller-revision-hash";

    /// <summary>What the rollout step decided, for the status.</summary>
    internal sealed record RolloutState
    {
        /// <summary>The template change waits for an earlier component: Progressing=True, reason WaitingForRollout.</summary>
        public string? HeldBy { get; init; }

        /// <summary>Pods are moving to the new revision: Progressing=True, reason RollingOut.</summary>
        public string? Rolling { get; init; }

        /// <summary>A pod of the new revision is not Ready within the bound: Degraded=True, reason RolloutStuck.</summary>
        public string? Stuck { get; init; }

        /// <summary>When to look again without an event (the stuck bound running out).</summary>
        public TimeSpan? RecheckAfter { get; init; }
    }

    /// <summary>
    /// Sets the desired StatefulSet's template and partition for a gated rollout; returns what it decided. With no
    /// live StatefulSet (first creation) or no change of template, nothing is gated and the partition is 0.
    /// </summary>
    private RolloutState PlanRollout(ComponentResource resource, EngulaComponentKind componentKind, V1StatefulSet desired, V1StatefulSet? live)
    {
        var strategy = desired.Spec.UpdateStrategy.RollingUpdate;
        if (live?.Spec?.Template is null)
        {
            strategy.Partition = 0;
            return new RolloutState();
        }

        int replicas = desired.Spec.Replicas ?? 1;
        bool templateChanges = !JsonSubset.Contains(live.Spec.Template, desired.Spec.Template, out _);
        var status = live.Status;
        bool rolling = status is not null && status.UpdateRevision is { Length: > 0 } update && update != status.CurrentRevision;

        if (templateChanges)
        {
            if (EarlierStillRolling(resource, componentKind) is { } blocker)
            {
                // Keep the pods as they are: the live template and partition, only other fields (replicas) change.
                desired.Spec.Template = live.Spec.Template;
                strategy.Partition = live.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
                return new RolloutState { HeldBy = blocker };
            }

            // A new revision starts: only the highest ordinal may move.
            strategy.Partition = Math.Max(0, replicas - 1);
            return new RolloutState { Rolling = $"rolling out a new pod template: pod {live.Metadata.Name}-{replicas - 1} first" };
        }

        if ((status?.ObservedGeneration ?? 0) < (live.Metadata.Generation ?? 0))
        {
            // The controller has not seen the latest template yet, so its revisions are stale: keep the partition.
            strategy.Partition = live.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
            return rolling || strategy.Partition > 0 ? new RolloutState { Rolling = "waiting for the StatefulSet controller to take the new template" } : new RolloutState();
        }

        if (!rolling)
        {
            strategy.Partition = 0;
            return new RolloutState();
        }

        // In progress: lower the partition past every pod that is Ready on the new revision.
        var pods = PodsOf(live);
        var updated = pods.Where(p => Revision(p) == status!.UpdateRevision).ToList();
        int updatedReady = updated.Count(IsReady);
        strategy.Partition = Math.Max(0, replicas - updatedReady - 1);
        var waiting = updated.Where(p => !IsReady(p)).OrderByDescending(Ordinal).FirstOrDefault();
        if (waiting is null)
        {
            return new RolloutState { Rolling = $"{updatedReady} of {replicas} pods on revision {status!.UpdateRevision}; next: pod {live.Metadata.Name}-{strategy.Partition}" };
        }

        var since = waiting.Metadata.CreationTimestamp ?? time.GetUtcNow().UtcDateTime;
        var age = time.GetUtcNow().UtcDateTime - since;
        if (age >= rolloutTimeout)
        {
            return new RolloutState
            {
                Stuck = $"pod {waiting.Metadata.Name} on revision {status!.UpdateRevision} has not been Ready for {Seconds(age)}: the rollout is halted. "
                    + "Fix or revert the spec; the operator then replaces the pod",
            };
        }

        return new RolloutState
        {
            Rolling = $"waiting for pod {waiting.Metadata.Name} to be Ready on revision {status!.UpdateRevision} ({updatedReady} of {replicas} updated)",
            RecheckAfter = rolloutTimeout - age + TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>
    /// The first component before this one in the cluster's order whose rollout is not finished, described; null
    /// when none. "Finished": its resource reconciled at its latest generation and Progressing=False.
    /// </summary>
    private string? EarlierStillRolling(ComponentResource resource, EngulaComponentKind componentKind)
    {
        var members = caches.ClusterMembers(resource.Metadata.NamespaceProperty, Caches.Instance(resource));
        foreach (var member in members
            .Select(m => (Member: m, Kind: ResourceKinds.TryParse(m.Kind, out var k) ? k.ToComponentKind() : null))
            .Where(m => m.Kind is { } k && k < componentKind)
            .OrderBy(m => m.Kind))
        {
            var status = member.Member.Status;
            string who = $"{EngulaComponents.Name(member.Kind!.Value)} {member.Member.Metadata.Name}";
            if (status?.ObservedGeneration != member.Member.Metadata.Generation)
            {
                return $"{who} to take its latest spec";
            }

            if (Conditions.IsTrue(status?.Conditions, Conditions.Progressing) || Conditions.Find(status?.Conditions, Conditions.Progressing) is { Reason: EngulaApi.PausedReason })
            {
                return $"{who} to finish ({Conditions.Find(status?.Conditions, Conditions.Progressing)?.Message})";
            }
        }

        return null;
    }

    /// <summary>
    /// Deletes the pods the StatefulSet controller should move to the update revision (ordinal at or above the
    /// partition) but waits on instead, because it replaces a pod only once that pod is Ready: a pod crash-looping on a
    /// bad revision after the spec was reverted or corrected. Only once the controller has seen the latest template,
    /// so that a stale status never marks a fresh pod as abandoned.
    /// </summary>
    private async Task ReplaceAbandonedPodsAsync(ComponentResource resource, V1StatefulSet? live, CancellationToken ct)
    {
        if (live?.Status is not { UpdateRevision: { Length: > 0 } update } status || (status.ObservedGeneration ?? 0) < (live.Metadata.Generation ?? 0))
        {
            return;
        }

        int partition = live.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
        foreach (var pod in PodsOf(live))
        {
            string? revision = Revision(pod);
            if (revision is null || revision == update || Ordinal(pod) < partition || IsReady(pod) || pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            LogReplacingPod(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, revision, update);
            await api.DeletePodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Metadata.Uid, ct);
            await api.EventAsync(resource, "Normal", "ReplacedStuckPod",
                $"deleted pod {pod.Metadata.Name}: not Ready on revision {revision}, which the StatefulSet controller waits on; it re-creates the pod on {update}", ct);
        }
    }

    private List<V1Pod> PodsOf(V1StatefulSet set) =>
        [.. caches.Pods.Items.Where(p => p.Metadata.NamespaceProperty == set.Metadata.NamespaceProperty
            && p.Metadata.OwnerReferences?.Any(o => o.Kind == "StatefulSet" && o.Uid == set.Metadata.Uid) == true)];

    private static string? Revision(V1Pod pod) => pod.Metadata.Labels?.TryGetValue(RevisionLabel, out var r) == true ? r : null;

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static int Ordinal(V1Pod pod) =>
        int.TryParse(pod.Metadata.Name.AsSpan(pod.Metadata.Name.LastIndexOf('-') + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : -1;

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " s";

    [LoggerMessage(Level = LogLevel.Information, Message = "deleting pod {Namespace}/{Name}: not Ready on revision {Revision}, which the StatefulSet controller waits on; it re-creates the pod on {UpdateRevision}")]
    private static partial void LogReplacingPod(ILogger logger, string @namespace, string name, string revision, string updateRevision);
}
