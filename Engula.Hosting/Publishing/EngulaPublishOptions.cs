using Engula.Kubernetes;
using Microsoft.Extensions.Configuration;

namespace Engula.Hosting.Publishing;

/// <summary>
/// The publisher's parameters, read from configuration so that the publish command works with none of them
/// (<c>--Engula:Image=registry.example.com/engula --Engula:ImageTag=1.2.3</c> on the command line,
/// <c>Engula__Image</c> in the environment, or appsettings.json).
/// </summary>
public sealed record EngulaPublishOptions
{
    /// <summary>Configuration key of <see cref="Image"/>.</summary>
    public const string ImageKey = "Engula:Image";

    /// <summary>Configuration key of <see cref="ImageTag"/>.</summary>
    public const string ImageTagKey = "Engula:ImageTag";

    /// <summary>Configuration key of <see cref="ImageDigest"/>.</summary>
    public const string ImageDigestKey = "Engula:ImageDigest";

    /// <summary>Configuration key of <see cref="StorageClass"/>.</summary>
    public const string StorageClassKey = "Engula:StorageClass";

    /// <summary>Configuration key of <see cref="StorageSize"/>.</summary>
    public const string StorageSizeKey = "Engula:StorageSize";

    /// <summary>Configuration key of <see cref="TargetVersion"/>.</summary>
    public const string TargetVersionKey = "Engula:Kubernetes:TargetVersion";

    /// <summary>Configuration key of <see cref="DataVolumePermissions"/>.</summary>
    public const string DataVolumePermissionsKey = "Engula:DataVolumePermissions";

    /// <summary>The default image name: the name kustomize matches in <c>kustomize edit set image ghcr.io/engula/engula=…</c>.</summary>
    public const string DefaultImage = "ghcr.io/engula/engula";

    /// <summary>The default tag: the repository's version (Directory.Build.props), which eng/image/build.sh tags too.</summary>
    public const string DefaultImageTag = "0.2.0";

    /// <summary>Image name without tag (a registry and repository), e.g. <c>ghcr.io/engula/engula</c>.</summary>
    public string Image { get; init; } = DefaultImage;

    /// <summary>Image tag, e.g. <c>0.2.0</c>.</summary>
    public string ImageTag { get; init; } = DefaultImageTag;

    /// <summary>
    /// The image's manifest digest (<c>sha256:</c> and 64 hex digits), or null. Set, every container runs
    /// <c>&lt;Image&gt;:&lt;ImageTag&gt;@&lt;digest&gt;</c>: the runtime pulls exactly that image whatever the tag points to
    /// later. <c>aspire deploy</c> with <c>Engula:Registry</c> sets it to what it pushed.
    /// </summary>
    public string? ImageDigest { get; init; }

    /// <summary>StorageClass of the data volumes, or null for the cluster's default class.</summary>
    public string? StorageClass { get; init; }

    /// <summary>Size of each data volume, or null for the builders' default (1Gi).</summary>
    public string? StorageSize { get; init; }

    /// <summary>
    /// The oldest Kubernetes version the written objects must apply to (<c>1.20</c>; <c>v1.20</c> and <c>1.20.2</c> mean
    /// the same), or null (the default) for current servers. Below 1.21 the PodDisruptionBudgets are written as
    /// <c>policy/v1beta1</c> instead of <c>policy/v1</c> (same spec); such output applies to servers 1.20 to 1.24 (1.25
    /// removed <c>policy/v1beta1</c>). The publisher cannot ask a server (it runs offline), so this says it instead.
    /// At least <see cref="KubernetesVersion.OldestSupported"/>.
    /// </summary>
    public KubernetesVersion? TargetVersion { get; init; }

    /// <summary>
    /// How the data volumes of journal, storage and kernel are made writable for the non-root user: <c>fsGroup</c>
    /// (default) or <c>initContainer</c> for storage the kubelet does not chown (hostPath PersistentVolumes such as
    /// the host-path provisioner's, CSI drivers with <c>fsGroupPolicy: None</c>); see <see cref="Kubernetes.DataVolumePermissions"/>.
    /// </summary>
    public DataVolumePermissions DataVolumePermissions { get; init; } = DataVolumePermissions.FsGroup;

    /// <summary>The image reference every container runs: <c>&lt;Image&gt;:&lt;ImageTag&gt;</c>, then <c>@&lt;ImageDigest&gt;</c> if set.</summary>
    public string ImageReference => ImageDigest is null ? $"{Image}:{ImageTag}" : $"{Image}:{ImageTag}@{ImageDigest}";

    /// <summary>Reads the options; a key that is missing or blank keeps its default.</summary>
    /// <exception cref="EngulaPublishException">A value cannot be read (the message names the key); nothing is written.</exception>
    public static EngulaPublishOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new EngulaPublishOptions
        {
            Image = configuration.NonBlank(ImageKey) ?? DefaultImage,
            ImageTag = configuration.NonBlank(ImageTagKey) ?? DefaultImageTag,
            ImageDigest = configuration.NonBlank(ImageDigestKey) is { } digest ? ParseDigest(digest) : null,
            StorageClass = configuration.NonBlank(StorageClassKey),
            StorageSize = configuration.NonBlank(StorageSizeKey),
            TargetVersion = configuration.NonBlank(TargetVersionKey) is { } target ? ParseTargetVersion(target) : null,
            DataVolumePermissions = configuration.NonBlank(DataVolumePermissionsKey) is { } permissions
                ? ParseDataVolumePermissions(permissions)
                : DataVolumePermissions.FsGroup,
        };
    }

    private static string ParseDigest(string value)
    {
        string digest = value.Trim();
        return digest.Length == 71 && digest.StartsWith("sha256:", StringComparison.Ordinal) && digest[7..].All(char.IsAsciiHexDigitLower)
            ? digest
            : throw new EngulaPublishException($"{ImageDigestKey}='{value}' is not an image digest: expected sha256: and 64 lower-case hex digits");
    }

    private static KubernetesVersion ParseTargetVersion(string value)
    {
        if (!KubernetesVersion.TryParse(value, out var version))
        {
            throw new EngulaPublishException(
                $"{TargetVersionKey}='{value}' is not a Kubernetes version: use <major>.<minor> of the oldest server to deploy to, e.g. 1.20 (v1.20 and 1.20.2 are read as 1.20)");
        }

        if (version < KubernetesVersion.OldestSupported)
        {
            throw new EngulaPublishException(
                $"{TargetVersionKey}='{value}': Kubernetes {version} is older than the oldest version the published objects support ({KubernetesVersion.OldestSupported})");
        }

        return version;
    }

    private static DataVolumePermissions ParseDataVolumePermissions(string value)
    {
        // By name only (Enum.TryParse would also take "1"); camelCase as in the docs, any case accepted.
        foreach (var permissions in Enum.GetValues<DataVolumePermissions>())
        {
            if (string.Equals(value.Trim(), permissions.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return permissions;
            }
        }

        throw new EngulaPublishException(
            $"{DataVolumePermissionsKey}='{value}' is not a way to make the data volumes writable: use fsGroup (the default) or initContainer");
    }
}
