namespace Engula.Operator.Api;

/// <summary>Names of each kind (kind, plural, lower-case component name) and the mapping to the builders' kinds.</summary>
internal static class ResourceKinds
{
    /// <summary>The component kinds in bootstrap order (journal and storage first, then kernel, then engine), then Background.</summary>
    public static IReadOnlyList<ResourceKind> Components { get; } =
        [ResourceKind.Journal, ResourceKind.Storage, ResourceKind.Kernel, ResourceKind.Engine, ResourceKind.Background];

    public static IReadOnlyList<ResourceKind> All { get; } = [ResourceKind.Cluster, .. Components];

    public static string KindName(this ResourceKind kind) => kind.ToString();

    public static string Plural(this ResourceKind kind) => kind switch
    {
        ResourceKind.Cluster => "clusters",
        ResourceKind.Journal => "journals",
        ResourceKind.Storage => "storages",
        ResourceKind.Kernel => "kernels",
        ResourceKind.Engine => "engines",
        ResourceKind.Background => "backgrounds",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Lower-case singular: <c>journal</c>; also the Cluster's section name and the component label value.</summary>
    public static string Singular(this ResourceKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The kind from its name (e.g. a resource's <c>kind</c> field).</summary>
    public static ResourceKind Parse(string kind) =>
        TryParse(kind, out var result) ? result : throw new ArgumentException($"'{kind}' is not a kind of {EngulaApi.Group}", nameof(kind));

    public static bool TryParse(string kind, out ResourceKind result) => Enum.TryParse(kind, ignoreCase: false, out result) && Enum.IsDefined(result);

    /// <summary>The builders' kind, or null for Cluster and Background (v0.2 has no background component).</summary>
    public static EngulaComponentKind? ToComponentKind(this ResourceKind kind) => kind switch
    {
        ResourceKind.Journal => EngulaComponentKind.Journal,
        ResourceKind.Storage => EngulaComponentKind.Storage,
        ResourceKind.Kernel => EngulaComponentKind.Kernel,
        ResourceKind.Engine => EngulaComponentKind.Engine,
        _ => null,
    };

    public static ResourceKind ToResourceKind(this EngulaComponentKind kind) => kind switch
    {
        EngulaComponentKind.Journal => ResourceKind.Journal,
        EngulaComponentKind.Storage => ResourceKind.Storage,
        EngulaComponentKind.Kernel => ResourceKind.Kernel,
        EngulaComponentKind.Engine => ResourceKind.Engine,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The original operator's default ports, Background 24571.</summary>
    public static int DefaultPort(this ResourceKind kind) => kind switch
    {
        ResourceKind.Background => 24571,
        _ => EngulaComponents.DefaultPort(kind.ToComponentKind() ?? throw new ArgumentOutOfRangeException(nameof(kind))),
    };
}
