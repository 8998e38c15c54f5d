using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Engula.Operator.Api;

/// <summary>Spec of a Background (no volume). Accepted for compatibility; v0.2 has no background component.</summary>
internal sealed class BackgroundSpec
{
    [JsonPropertyName("replicas")]
    [Range(0, int.MaxValue)]
    [DefaultValue(1)]
    public int? Replicas { get; set; }

    [JsonPropertyName("image")]
    public PodImage? Image { get; set; }

    [JsonPropertyName("port")]
    [Range(1, 65535)]
    public int? Port { get; set; }

    [JsonPropertyName("resource")]
    public ResourceSpec? Resource { get; set; }
}
