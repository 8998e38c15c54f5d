namespace Engula.Kubernetes;

/// <summary>
/// How the <c>data</c> volume of journal, storage and kernel is made writable for the image's non-root user
/// (<see cref="EngulaObjects.ImageUserId"/>). Which one a cluster needs depends on the volume type behind its
/// StorageClass, because the kubelet applies a pod's <c>fsGroup</c> only to volume types that support ownership
/// management.
/// </summary>
public enum DataVolumePermissions
{
    /// <summary>
    /// The default: the pod's <c>fsGroup</c> (<c>fsGroupChangePolicy: OnRootMismatch</c>), and nothing else. The
    /// kubelet then makes the volume group-owned by <see cref="EngulaObjects.ImageUserId"/> and group-writable, but
    /// only for volume types that support ownership management: local PersistentVolumes
    /// (<c>kubernetes.io/no-provisioner</c>), block-device volumes (cloud disks, most block CSI drivers: a CSI driver
    /// whose CSIDriver says <c>fsGroupPolicy: File</c>, or the default <c>ReadWriteOnceWithFSType</c> for a
    /// ReadWriteOnce volume with an fsType), emptyDir. It does nothing for hostPath volumes and for CSI drivers with
    /// <c>fsGroupPolicy: None</c> (typical of NFS-style drivers).
    /// </summary>
    FsGroup,

    /// <summary>
    /// Opt-in, for storage the kubelet does not chown: an init container (same image) runs as uid 0 with only
    /// <c>CAP_CHOWN</c> and, when the volume's root is not already owned by <see cref="EngulaObjects.ImageUserId"/>
    /// with owner and group rwx, makes it so (contents included). Needed for hostPath PersistentVolumes (the
    /// kube-controller-manager's host-path provisioner creates root-owned <c>0750</c> directories; a hand-made
    /// hostPath PV of type <c>DirectoryOrCreate</c> is created root-owned <c>0755</c> by the kubelet) and CSI drivers
    /// with <c>fsGroupPolicy: None</c>. The main container is unchanged; the pod no longer passes the
    /// <c>restricted</c> Pod Security Standard (an init container runs as root), but still <c>baseline</c>.
    /// </summary>
    InitContainer,
}
