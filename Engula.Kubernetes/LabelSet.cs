namespace Engula.Kubernetes;

/// <summary>The recommended <c>app.kubernetes.io/*</c> labels, and which of them select pods.</summary>
internal static class LabelSet
{
    internal const string AppName = "engula";

    /// <summary>
    /// Selector labels: name, instance and component only. A StatefulSet's selector is immutable, so it must not
    /// contain anything that may legitimately change — <c>managed-by</c> changes when the operator adopts objects
    /// the publisher created, and caller labels are free-form.
    /// </summary>
    internal static Dictionary<string, string> Selector(string instance, string kindName) => Sorted(new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [EngulaLabels.Name] = AppName,
        [EngulaLabels.Instance] = instance,
        [EngulaLabels.Component] = kindName,
    });

    /// <summary>Labels of a component's objects and pods: the recommended set plus the caller's own.</summary>
    internal static Dictionary<string, string> ForComponent(ResolvedCluster cluster, ResolvedComponent component)
    {
        var labels = Selector(cluster.Instance, component.KindName);
        labels[EngulaLabels.ManagedBy] = cluster.Spec.ManagedBy;
        labels[EngulaLabels.PartOf] = AppName;
        foreach (var (key, value) in component.Spec.Labels ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }

        return Sorted(labels);
    }

    /// <summary>Labels of cluster-wide objects (the ServiceAccount): no component.</summary>
    internal static Dictionary<string, string> ForCluster(string instance, string managedBy) => Sorted(new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [EngulaLabels.Name] = AppName,
        [EngulaLabels.Instance] = instance,
        [EngulaLabels.ManagedBy] = managedBy,
        [EngulaLabels.PartOf] = AppName,
    });

    /// <summary>Ordinal key order: the YAML serializer writes dictionaries in enumeration order, so this makes output byte-stable.</summary>
    internal static Dictionary<string, string> Sorted(IEnumerable<KeyValuePair<string, string>> labels) =>
        labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
