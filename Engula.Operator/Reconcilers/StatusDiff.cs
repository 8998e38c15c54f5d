namespace Engula.Operator.Reconcilers;

/// <summary>
/// Whether a newly computed status differs from the stored one (so an unchanged status is not written), and the
/// Events for condition transitions (written only together with such a change: a steady cluster writes nothing).
/// </summary>
internal static class StatusDiff
{
    public static bool SameComponentStatus(ComponentStatus? old, ComponentStatus now) =>
        old is not null
        && old.ObservedGeneration == now.ObservedGeneration
        && (old.Replicas ?? 0) == (now.Replicas ?? 0)
        && (old.ReadyReplicas ?? 0) == (now.ReadyReplicas ?? 0)
        && old.CurrentRevision == now.CurrentRevision
        && old.UpdateRevision == now.UpdateRevision
        && (old.UpdatedReplicas ?? 0) == (now.UpdatedReplicas ?? 0)
        && old.Selector == now.Selector
        && SameConditions(old.Conditions, now.Conditions);

    public static bool SameClusterStatus(ClusterStatus? old, ClusterStatus now)
    {
        if (old is null || old.ObservedGeneration != now.ObservedGeneration || !SameConditions(old.Conditions, now.Conditions))
        {
            return false;
        }

        var a = old.Components ?? [];
        var b = now.Components ?? [];
        return a.Count == b.Count && b.All(p => a.TryGetValue(p.Key, out var o)
            && o.Name == p.Value.Name && (o.Replicas ?? 0) == (p.Value.Replicas ?? 0) && (o.ReadyReplicas ?? 0) == (p.Value.ReadyReplicas ?? 0)
            && o.Ready == p.Value.Ready && o.Reason == p.Value.Reason);
    }

    /// <summary>Same type, status, reason, message and observedGeneration (lastTransitionTime follows from these).</summary>
    public static bool SameConditions(IList<V1Condition>? old, IList<V1Condition>? now)
    {
        old ??= [];
        now ??= [];
        return old.Count == now.Count && now.All(n => old.Any(o =>
            o.Type == n.Type && o.Status == n.Status && o.Reason == n.Reason && o.Message == n.Message && o.ObservedGeneration == n.ObservedGeneration));
    }

    public static async Task TransitionEventsAsync(KubeApi api, IKubernetesObject<V1ObjectMeta> resource, IList<V1Condition>? old, IList<V1Condition> now, CancellationToken ct)
    {
        var wasReady = Conditions.Find(old, Conditions.Ready);
        var ready = Conditions.Find(now, Conditions.Ready)!;
        if (ready.Status == "True" && wasReady?.Status != "True")
        {
            await api.EventAsync(resource, "Normal", "Ready", ready.Message, ct);
        }
        else if (ready.Status != "True" && wasReady?.Status == "True")
        {
            await api.EventAsync(resource, "Warning", "NotReady", ready.Message, ct);
        }

        var wasDegraded = Conditions.Find(old, Conditions.Degraded);
        var degraded = Conditions.Find(now, Conditions.Degraded)!;
        if (degraded.Status == "True" && (wasDegraded?.Status != "True" || wasDegraded.Reason != degraded.Reason))
        {
            await api.EventAsync(resource, "Warning", degraded.Reason, degraded.Message, ct);
        }
        else if (degraded.Status != "True" && degraded.Reason != "AsExpected" && wasDegraded?.Reason != degraded.Reason)
        {
            // e.g. an optional kind the server lacks (PodDisruptionBudgetUnavailable), Unsupported for Background.
            await api.EventAsync(resource, "Warning", degraded.Reason, degraded.Message, ct);
        }
    }
}
