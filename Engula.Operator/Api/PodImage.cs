using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Engula.Operator.Api;

/// <summary>A container image and its pull policy (the original's <c>PodImage</c>).</summary>
internal sealed class PodImage
{
    [JsonPropertyName("name")]
    [Required]
    [MinLength(1)]
    [Description("Container image reference, e.g. ghcr.io/engula/engula:0.2.0.")]
    public string? Name { get; set; }

    [JsonPropertyName("pullPolicy")]
    [AllowedValues("Always", "IfNotPresent", "Never")]
    [DefaultValue("IfNotPresent")]
    [Description("Image pull policy.")]
    public string? PullPolicy { get; set; }
}
