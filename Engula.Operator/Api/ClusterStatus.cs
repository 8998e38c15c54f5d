using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>Status of a Cluster: conditions and an entry per component (keyed journal, storage, kernel, engine, background).</summary>
internal sealed class ClusterStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("components")]
    public Dictionary<string, ClusterComponentStatus>? Components { get; set; }

    [JsonPropertyName("conditions")]
    [ListMap("type")]
    public List<V1Condition>? Conditions { get; set; }
}
