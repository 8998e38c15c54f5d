using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Engula.Operator.Api;

/// <summary>Spec of a Journal, Storage, Kernel or Engine, and of a Cluster's sections (the original operator's fields).</summary>
internal sealed class ComponentSpec
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
    [Description("gRPC port (the engine's HTTP port): " + EngulaComponents.DefaultPortsSummary + ".")]
    public int? Port { get; set; }

    [JsonPropertyName("resource")]
    [Description("Container resources (singular, as in the original).")]
    public ResourceSpec? Resource { get; set; }

    [JsonPropertyName("volume")]
    [Description("The data volume (journal, storage, kernel); accepted and ignored for the engine.")]
    public VolumeClaim? Volume { get; set; }

    [JsonPropertyName("pod")]
    [Description("Scheduling (nodeSelector, tolerations, affinity, topologySpreadConstraints, priorityClassName) and extra pod labels and annotations. In a Cluster section, replaces the Cluster's spec.pod field by field.")]
    public PodSettings? Pod { get; set; }

    /// <summary>A <see cref="Engula.Kubernetes.DataVolumePermissions"/> name; the schema allows only those.</summary>
    [JsonPropertyName("dataVolumePermissions")]
    [AllowedValues(nameof(Engula.Kubernetes.DataVolumePermissions.FsGroup), nameof(Engula.Kubernetes.DataVolumePermissions.InitContainer))]
    [DefaultValue(nameof(Engula.Kubernetes.DataVolumePermissions.FsGroup))]
    [Description("How the data volume (journal, storage, kernel) is made writable for the pods' non-root user. FsGroup: the pod's fsGroup, which the kubelet applies to local PersistentVolumes, cloud disks and most block CSI volumes. "
        + "InitContainer: an init container running as root with only CAP_CHOWN gives the volume to that user when its root directory is not theirs yet; needed for hostPath volumes (e.g. the host-path provisioner's) and CSI drivers with fsGroupPolicy None, which the kubelet never chowns. Ignored for the engine.")]
    public string? DataVolumePermissions { get; set; }

    /// <summary>The builders' value of <see cref="DataVolumePermissions"/>: absent is FsGroup, an unknown name fails.</summary>
    /// <exception cref="ArgumentException">Not a name the schema allows (only possible if the schema was bypassed).</exception>
    public Engula.Kubernetes.DataVolumePermissions DataVolumePermissionsValue() =>
        DataVolumePermissions switch
        {
            null => Engula.Kubernetes.DataVolumePermissions.FsGroup,
            nameof(Engula.Kubernetes.DataVolumePermissions.FsGroup) => Engula.Kubernetes.DataVolumePermissions.FsGroup,
            nameof(Engula.Kubernetes.DataVolumePermissions.InitContainer) => Engula.Kubernetes.DataVolumePermissions.InitContainer,
            _ => throw new ArgumentException($"spec.dataVolumePermissions: '{DataVolumePermissions}' is not FsGroup or InitContainer", nameof(DataVolumePermissions)),
        };
}
