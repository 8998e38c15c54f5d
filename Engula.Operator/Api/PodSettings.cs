using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>
/// Where a component's pods run and their extra metadata (<c>spec.pod</c>). On a Cluster, <c>spec.pod</c> holds the
/// defaults of every section; a section's own <c>pod</c> replaces a default field by field (labels and annotations
/// are merged key by key, the section winning).
/// </summary>
internal sealed class PodSettings
{
    [JsonPropertyName("nodeSelector")]
    [Description("Node labels a node must have to run the pods.")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("tolerations")]
    [Description("Taints the pods tolerate, as in a pod spec.")]
    public List<PodToleration>? Tolerations { get; set; }

    [JsonPropertyName("affinity")]
    [PreserveUnknownFields]
    [Description("Node affinity, pod affinity and pod anti-affinity, as in a pod spec (nodeAffinity, podAffinity, podAntiAffinity); checked by the API server when the StatefulSet is applied.")]
    public JsonElement? Affinity { get; set; }

    [JsonPropertyName("topologySpreadConstraints")]
    [Description("How the pods spread across zones or nodes, as in a pod spec; a constraint without labelSelector spreads this component's own pods.")]
    public List<PodTopologySpreadConstraint>? TopologySpreadConstraints { get; set; }

    [JsonPropertyName("priorityClassName")]
    [Description("PriorityClass of the pods; it must exist.")]
    public string? PriorityClassName { get; set; }

    [JsonPropertyName("labels")]
    [Description("Extra labels on the pods only (never in a selector); app.kubernetes.io/ labels are the operator's.")]
    public Dictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    [Description("Annotations on the pods; a change rolls the pods.")]
    public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>A toleration, with the fields of a pod spec's.</summary>
internal sealed class PodToleration
{
    [JsonPropertyName("key")]
    [Description("Taint key; empty with operator Exists tolerates every taint.")]
    public string? Key { get; set; }

    [JsonPropertyName("operator")]
    [AllowedValues("Equal", "Exists")]
    [Description("Equal (default) or Exists.")]
    public string? Operator { get; set; }

    [JsonPropertyName("value")]
    [Description("Taint value, for Equal.")]
    public string? Value { get; set; }

    [JsonPropertyName("effect")]
    [AllowedValues("NoSchedule", "PreferNoSchedule", "NoExecute")]
    [Description("Taint effect; empty matches every effect.")]
    public string? Effect { get; set; }

    [JsonPropertyName("tolerationSeconds")]
    [Description("For NoExecute: how long the pod stays bound after the taint appears.")]
    public long? TolerationSeconds { get; set; }
}

/// <summary>A topology spread constraint, with the fields Kubernetes 1.20 and later all have.</summary>
internal sealed class PodTopologySpreadConstraint
{
    [JsonPropertyName("maxSkew")]
    [Required]
    [Range(1, int.MaxValue)]
    [Description("Largest allowed difference in pod count between two domains.")]
    public int MaxSkew { get; set; }

    [JsonPropertyName("topologyKey")]
    [Required]
    [MinLength(1)]
    [Description("Node label that defines a domain, e.g. topology.kubernetes.io/zone.")]
    public string? TopologyKey { get; set; }

    [JsonPropertyName("whenUnsatisfiable")]
    [Required]
    [AllowedValues("DoNotSchedule", "ScheduleAnyway")]
    [Description("DoNotSchedule or ScheduleAnyway.")]
    public string? WhenUnsatisfiable { get; set; }

    [JsonPropertyName("labelSelector")]
    [PreserveUnknownFields]
    [Description("Pods counted; absent: this component's own pods.")]
    public JsonElement? LabelSelector { get; set; }
}
