namespace Engula.Operator.Reconcilers;

/// <summary>What one reconcile of a component decided, turned into conditions by the status step.</summary>
internal sealed record ComponentOutcome
{
    /// <summary>Replicas the StatefulSet runs (after refusals), or null when there is no workload.</summary>
    public int? Effective { get; init; }

    /// <summary>Set while the component waits for its dependencies (bootstrap order).</summary>
    public string? Waiting { get; init; }

    /// <summary>A refusal or invalid spec: Degraded=True with this reason and message.</summary>
    public string? DegradedReason { get; init; }

    public string? DegradedMessage { get; init; }

    /// <summary>A reason for Degraded=False that is not "AsExpected" (e.g. a skipped optional kind).</summary>
    public string? Note { get; init; }

    public string? NoteMessage { get; init; }

    /// <summary>Paused (its own or its Cluster's annotation): nothing applied; this says which.</summary>
    public string? Paused { get; init; }

    /// <summary>A data volume change: refused, or the StatefulSet being re-created for an expansion.</summary>
    public ComponentReconciler.VolumeState? Volumes { get; init; }

    /// <summary>The gated rollout's state, when the workload was reconciled.</summary>
    public ComponentReconciler.RolloutState? Rollout { get; init; }

    /// <summary>Background: accepted, nothing created.</summary>
    public bool Unsupported { get; init; }
}
