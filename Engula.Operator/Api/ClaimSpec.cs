using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>The fields of a core <c>PersistentVolumeClaimSpec</c> the original accepted (a template for the data volume).</summary>
internal sealed class ClaimSpec
{
    [JsonPropertyName("accessModes")]
    [Description("Access modes of the data volume (default ReadWriteOnce).")]
    public List<string>? AccessModes { get; set; }

    [JsonPropertyName("resources")]
    [Description("resources.requests.storage is the size of the data volume (default 1Gi).")]
    public ResourceSpec? Resources { get; set; }

    [JsonPropertyName("storageClassName")]
    [Description("StorageClass of the data volume; absent uses the cluster's default class.")]
    public string? StorageClassName { get; set; }

    [JsonPropertyName("volumeMode")]
    [AllowedValues("Filesystem")]
    [Description("Only Filesystem: the components store files.")]
    public string? VolumeMode { get; set; }

    [JsonPropertyName("volumeName")]
    [Description("Accepted for compatibility with the original; not used (claims come from the StatefulSet's template).")]
    public string? VolumeName { get; set; }

    [JsonPropertyName("selector")]
    [PreserveUnknownFields]
    [Description("Accepted for compatibility with the original; not used.")]
    public JsonElement? Selector { get; set; }

    [JsonPropertyName("dataSource")]
    [PreserveUnknownFields]
    [Description("Accepted for compatibility with the original; not used.")]
    public JsonElement? DataSource { get; set; }
}
