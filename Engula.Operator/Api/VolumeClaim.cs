using System.ComponentModel;

namespace Engula.Operator.Api;

/// <summary>The data volume (the original's <c>VolumeClaim</c>).</summary>
internal sealed class VolumeClaim
{
    [JsonPropertyName("spec")]
    [Description("Template of each pod's data claim.")]
    public ClaimSpec? Spec { get; set; }

    [JsonPropertyName("source")]
    [Description("Accepted for compatibility with the original; not used.")]
    public ClaimSource? Source { get; set; }
}
