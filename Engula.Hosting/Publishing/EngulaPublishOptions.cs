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

    /// <summary>Configuration key of <see cref="StorageClass"/>.</summary>
    public const string StorageClassKey = "Engula:StorageClass";

    /// <summary>Configuration key of <see cref="StorageSize"/>.</summary>
    public const string StorageSizeKey = "Engula:StorageSize";

    /// <summary>The default image name: the name kustomize matches in <c>kustomize edit set image ghcr.io/engula/engula=…</c>.</summary>
    public const string DefaultImage = "ghcr.io/engula/engula";

    /// <summary>The default tag: the repository's version (Directory.Build.props), which eng/image/build.sh tags too.</summary>
    public const string DefaultImageTag = "0.2.0";

    /// <summary>Image name without tag (a registry and repository), e.g. <c>ghcr.io/engula/engula</c>.</summary>
    public string Image { get; init; } = DefaultImage;

    /// <summary>Image tag, e.g. <c>0.2.0</c>.</summary>
    public string ImageTag { get; init; } = DefaultImageTag;

    /// <summary>StorageClass of the data volumes, or null for the cluster's default class.</summary>
    public string? StorageClass { get; init; }

    /// <summary>Size of each data volume, or null for the builders' default (1Gi).</summary>
    public string? StorageSize { get; init; }

    /// <summary>The image reference every container runs: <c>&lt;Image&gt;:&lt;ImageTag&gt;</c>.</summary>
    public string ImageReference => $"{Image}:{ImageTag}";

    /// <summary>Reads the options; a key that is missing or blank keeps its default.</summary>
    public static EngulaPublishOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new EngulaPublishOptions
        {
            Image = NonBlank(configuration[ImageKey]) ?? DefaultImage,
            ImageTag = NonBlank(configuration[ImageTagKey]) ?? DefaultImageTag,
            StorageClass = NonBlank(configuration[StorageClassKey]),
            StorageSize = NonBlank(configuration[StorageSizeKey]),
        };
    }

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
