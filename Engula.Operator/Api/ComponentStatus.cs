using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>Status of a component resource: what its StatefulSet runs, and the Ready/Progressing/Degraded conditions.</summary>
internal sealed class ComponentStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("replicas")]
    public int? Replicas { get; set; }

    [JsonPropertyName("readyReplicas")]
    public int? ReadyReplicas { get; set; }

    /// <summary>The StatefulSet's revision most pods run (its <c>status.currentRevision</c>).</summary>
    [JsonPropertyName("currentRevision")]
    public string? CurrentRevision { get; set; }

    /// <summary>The revision of the current pod template; differs from <see cref="CurrentRevision"/> during a rollout.</summary>
    [JsonPropertyName("updateRevision")]
    public string? UpdateRevision { get; set; }

    /// <summary>Pods on <see cref="UpdateRevision"/>.</summary>
    [JsonPropertyName("updatedReplicas")]
    public int? UpdatedReplicas { get; set; }

    /// <summary>Label selector of the pods, for the /scale subresource (and HPA).</summary>
    [JsonPropertyName("selector")]
    public string? Selector { get; set; }

    [JsonPropertyName("conditions")]
    [ListMap("type")]
    public List<V1Condition>? Conditions { get; set; }
}
