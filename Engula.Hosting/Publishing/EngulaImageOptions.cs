using System.Net;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Engula.Hosting.Publishing;

/// <summary>
/// What the image steps (<c>aspire do engula-image-build</c>, <c>aspire do engula-image-push</c>, and both inside
/// <c>aspire deploy</c> when a registry is set) build, with which container engine, and where they push it. Read from
/// configuration like the other publishing options (<c>--Engula:Registry=localhost:5000</c> after the command).
/// </summary>
public sealed record EngulaImageOptions
{
    /// <summary>Configuration key of <see cref="Registry"/>; every other key is <see cref="Key"/> of its property's name.</summary>
    public const string RegistryKey = Section + nameof(Registry);

    private const string Section = "Engula:";

    /// <summary>The repository the image is pushed to inside <see cref="Registry"/>.</summary>
    public const string Repository = "engula";

    /// <summary>
    /// Where the push step pushes the image, as <c>host[:port][/path]</c> (<c>localhost:5000</c>,
    /// <c>registry.example.com/team</c>), or null: then the image steps build nothing unless run by name, and deploy
    /// uses the configured image (<c>Engula:Image</c>, <c>Engula:ImageTag</c>). A loopback registry is spoken to over plain
    /// HTTP, as Docker does by default.
    /// </summary>
    public string? Registry { get; init; }

    /// <summary><c>podman</c> or <c>docker</c> (a name on PATH or a path), or null to use podman if it is installed, else docker.</summary>
    public string? ContainerEngine { get; init; }

    /// <summary>The image the Containerfile builds on (its <c>BASE</c> argument), or null for the Containerfile's default.</summary>
    public string? ImageBase { get; init; }

    /// <summary>The server project the image's <c>engula</c> executable is published from.</summary>
    public string? ServerProject { get; init; }

    /// <summary>The Containerfile around that executable.</summary>
    public string? Containerfile { get; init; }

    /// <summary>The publish profile that makes the executable self-contained and single-file (the one eng/image/build.sh uses).</summary>
    public string? ImagePublishProfile { get; init; }

    /// <summary>The configuration key of the property <paramref name="property"/> (<c>Engula:&lt;property&gt;</c>).</summary>
    public static string Key(string property) => Section + property;

    /// <summary>Where <paramref name="tag"/> goes in <see cref="Registry"/>: <c>&lt;registry&gt;/engula:&lt;tag&gt;</c>.</summary>
    public string RemoteReference(string tag) => $"{Registry}/{Repository}:{tag}";

    /// <summary>Whether <see cref="Registry"/> is on this machine's loopback (spoken to over plain HTTP).</summary>
    public bool RegistryIsLoopback
    {
        get
        {
            if (Registry is null)
            {
                return false;
            }

            string host = Registry.Split('/')[0];
            if (host.StartsWith('['))
            {
                host = host[1..host.IndexOf(']', StringComparison.Ordinal)];
            }
            else if (host.LastIndexOf(':') is var colon and > 0)
            {
                host = host[..colon];
            }

            return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        }
    }

    /// <summary>
    /// Reads the options. The source paths default to the <c>AssemblyMetadata</c> the AppHost project records
    /// (<c>Engula.ServerProject</c>, <c>Engula.Containerfile</c>, <c>Engula.ImagePublishProfile</c>), like the server's path.
    /// </summary>
    /// <exception cref="EngulaPublishException">A value cannot be used; the message names the key.</exception>
    public static EngulaImageOptions From(IConfiguration configuration, Assembly? appHost)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? Value(string property) => configuration.NonBlank(Key(property))?.Trim();
        return new EngulaImageOptions
        {
            Registry = ParseRegistry(Value(nameof(Registry))),
            ContainerEngine = Value(nameof(ContainerEngine)),
            ImageBase = Value(nameof(ImageBase)),
            ServerProject = Value(nameof(ServerProject)) ?? AppHostMetadata.Get(appHost, "Engula." + nameof(ServerProject)),
            Containerfile = Value(nameof(Containerfile)) ?? AppHostMetadata.Get(appHost, "Engula." + nameof(Containerfile)),
            ImagePublishProfile = Value(nameof(ImagePublishProfile)) ?? AppHostMetadata.Get(appHost, "Engula." + nameof(ImagePublishProfile)),
        };
    }

    private static string? ParseRegistry(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            throw new EngulaPublishException($"{RegistryKey}='{value}' names a scheme: give host[:port][/path], e.g. localhost:5000 or registry.example.com/team");
        }

        string registry = value.TrimEnd('/');
        if (registry.Length == 0 || registry.Any(c => char.IsWhiteSpace(c) || c is '@' or '\\') || registry.Split('/').Any(part => part.Length == 0))
        {
            throw new EngulaPublishException($"{RegistryKey}='{value}' is not a registry: give host[:port][/path], e.g. localhost:5000 or registry.example.com/team");
        }

        return registry;
    }
}
