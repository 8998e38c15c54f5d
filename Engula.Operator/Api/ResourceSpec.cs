using System.ComponentModel;
using System.Text.Json;
using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>Container resources (core <c>ResourceRequirements</c>: maps of quantities).</summary>
internal sealed class ResourceSpec
{
    [JsonPropertyName("limits")]
    [Quantity]
    [Description("Maximum resources, e.g. cpu: 1, memory: 1Gi.")]
    public Dictionary<string, JsonElement>? Limits { get; set; }

    [JsonPropertyName("requests")]
    [Quantity]
    [Description("Requested resources, e.g. cpu: 100m, memory: 256Mi.")]
    public Dictionary<string, JsonElement>? Requests { get; set; }
}
