namespace Engula.Operator.Api;

/// <summary>One component as the Cluster's status shows it: what it actually runs.</summary>
internal sealed class ClusterComponentStatus
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }

    [JsonPropertyName("readyReplicas")]
    public int? ReadyReplicas { get; set; }

    /// <summary>The component's Ready condition status: True, False or Unknown.</summary>
    [JsonPropertyName("ready")]
    public string? Ready { get; set; }

    [JsonPropertyName("reason")]
    public string? Reason { get; set; }
}
