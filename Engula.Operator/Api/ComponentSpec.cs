using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Engula.Operator.Api;

/// <summary>Spec of a Journal, Storage, Kernel or Engine, and of a Cluster's sections (spec §5.2).</summary>
public sealed class ComponentSpec
{
    [JsonPropertyName("replicas")]
    [Range(0, int.MaxValue)]
    [DefaultValue(1)]
    [Description("Pods of the component. Scale-down of journal, storage and kernel, and more than one kernel or engine, are refused (Degraded).")]
    public int? Replicas { get; set; }

    [JsonPropertyName("image")]
    [Description("Container image; a Cluster's component inherits the Cluster's image when absent.")]
    public PodImage? Image { get; set; }

    [JsonPropertyName("port")]
    [Range(1, 65535)]
    [Description("gRPC port (the engine's HTTP port): kernel 24567, engine 24568, storage 24569, journal 24570.")]
    public int? Port { get; set; }

    [JsonPropertyName("resource")]
    [Description("Container resources (singular, as in the original).")]
    public ResourceSpec? Resource { get; set; }

    [JsonPropertyName("volume")]
    [Description("The data volume (journal, storage, kernel); accepted and ignored for the engine.")]
    public VolumeClaim? Volume { get; set; }
}
