using System.ComponentModel;

namespace Engula.Operator.Api;

/// <summary>Spec of a Cluster: a component resource <c>&lt;cluster&gt;-&lt;component&gt;</c> exists for each present section.</summary>
internal sealed class ClusterSpec
{
    [JsonPropertyName("name")]
    [Description("Accepted for compatibility with the original; not used (names come from metadata.name).")]
    public string? Name { get; set; }

    [JsonPropertyName("image")]
    [Description("Default image of the components.")]
    public PodImage? Image { get; set; }

    [JsonPropertyName("pod")]
    [Description("Default pod settings of the components (scheduling, pod labels and annotations); a section's own pod replaces a field, labels and annotations merge key by key.")]
    public PodSettings? Pod { get; set; }

    [JsonPropertyName("journal")]
    public ComponentSpec? Journal { get; set; }

    [JsonPropertyName("storage")]
    public ComponentSpec? Storage { get; set; }

    [JsonPropertyName("kernel")]
    public ComponentSpec? Kernel { get; set; }

    [JsonPropertyName("engine")]
    public ComponentSpec? Engine { get; set; }

    [JsonPropertyName("background")]
    [Description("Accepted; v0.2 has no background component, so the Background resource reports Unsupported.")]
    public BackgroundSpec? Background { get; set; }
}
