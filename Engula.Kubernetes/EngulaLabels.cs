namespace Engula.Kubernetes;

/// <summary>
/// The keys of the recommended <c>app.kubernetes.io/*</c> labels every Engula object carries, for whoever builds,
/// selects or adopts those objects: the builders here, the operator, deploy and destroy.
/// </summary>
public static class EngulaLabels
{
    /// <summary><c>engula</c> on every object (a selector label).</summary>
    public const string Name = "app.kubernetes.io/name";

    /// <summary>The cluster's name (a selector label).</summary>
    public const string Instance = "app.kubernetes.io/instance";

    /// <summary>The component's kind in lower case (a selector label).</summary>
    public const string Component = "app.kubernetes.io/component";

    /// <summary>Who manages the object: <c>engula</c> when published, the operator's name when it adopted it.</summary>
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary><c>engula</c>: what destroy and the tests select the objects of a deploy by.</summary>
    public const string PartOf = "app.kubernetes.io/part-of";
}
