namespace Engula.Operator;

/// <summary>Settings of one operator instance (command-line flags, see <see cref="Program"/>).</summary>
internal sealed record OperatorOptions
{
    /// <summary>Namespace to watch, or null for all namespaces (the default: one operator serves the cluster).</summary>
    public string? Namespace { get; init; }

    /// <summary>Concurrent reconciles (one key is never reconciled twice at once).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Every resource is reconciled again this often even without events (drift the watches missed).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>First back-off of a failing key; doubles per failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a pod moved to a new revision may stay not Ready before its component's rollout counts as stuck
    /// (Degraded=True, reason RolloutStuck). Covers image pull, recovery and the startup probe's budget.
    /// </summary>
    public TimeSpan RolloutTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Server-side timeout of each watch; a 1.20 server sends its bookmark shortly before it ends a watch.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>This instance's identity in the leader Lease.</summary>
    public string Identity { get; init; } = Environment.MachineName + "-" + Environment.ProcessId;

    /// <summary>Namespace of the leader Lease: the operator's own in a cluster, <c>default</c> when run locally.</summary>
    public string LeaseNamespace { get; init; } = "default";

    public string LeaseName { get; init; } = Manifests.InstallManifests.LeaseName;

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First wait after an election round failed because the API server could not be reached; doubles (with jitter) per failure.</summary>
    public TimeSpan ApiRetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between attempts to reach the API server.</summary>
    public TimeSpan ApiRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(15);
}
