using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Engula.Operator.Api;

/// <summary>An existing claim (core <c>PersistentVolumeClaimVolumeSource</c>), accepted as in the original.</summary>
internal sealed class ClaimSource
{
    [JsonPropertyName("claimName")]
    [Required]
    [Description("Name of an existing PersistentVolumeClaim. Accepted for compatibility; not used: each pod gets its own claim from the template.")]
    public string? ClaimName { get; set; }

    [JsonPropertyName("readOnly")]
    public bool? ReadOnly { get; set; }
}
