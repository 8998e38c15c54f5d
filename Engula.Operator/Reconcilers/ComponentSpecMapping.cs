using System.Text.Json;

namespace Engula.Operator.Reconcilers;

/// <summary>
/// The one mapping from a component's spec — a component resource's, or a section of a Cluster — to the description
/// the shared builders take. The Cluster reconciler validates a Cluster with it and the component reconciler builds
/// objects with it, so a spec the builders refuse (requests above limits, say) is refused up front on the Cluster,
/// not only later on its components.
/// </summary>
internal static class ComponentSpecMapping
{
    /// <param name="kind">The component's kind.</param>
    /// <param name="name">The component's name, or null for the builders' default.</param>
    /// <param name="spec">Its spec.</param>
    /// <param name="image">The image when <paramref name="spec"/> names none.</param>
    /// <param name="replicas">The replica count to build with.</param>
    /// <param name="ownSettings">Whether settings that only reach the component's own objects (data volume
    /// permissions) are taken from <paramref name="spec"/>; a peer's never reach another component's objects.</param>
    /// <param name="owner">The owner of the component's objects, if any.</param>
    public static EngulaComponent ToComponent(
        EngulaComponentKind kind, string? name, ComponentSpec spec, string image, int replicas, bool ownSettings, V1OwnerReference? owner)
    {
        bool hasVolume = kind != EngulaComponentKind.Engine;
        var claim = spec.Volume?.Spec;
        return new EngulaComponent
        {
            Kind = kind,
            Name = name,
            Image = spec.Image?.Name is { Length: > 0 } own ? own : image,
            ImagePullPolicy = spec.Image?.PullPolicy ?? "IfNotPresent",
            Replicas = replicas,
            Port = spec.Port,
            Resources = ToResources(spec.Resource),
            StorageSize = hasVolume ? Quantity(claim?.Resources?.Requests, "storage") : null,
            StorageClassName = hasVolume ? claim?.StorageClassName : null,
            StorageAccessModes = hasVolume ? claim?.AccessModes : null,
            DataVolumePermissions = hasVolume && ownSettings ? spec.DataVolumePermissionsValue() : DataVolumePermissions.FsGroup,
            Pod = ownSettings ? ToPodSettings(spec.Pod) : null,
            Owner = owner,
        };
    }

    private static EngulaPodSettings? ToPodSettings(PodSettings? pod) => pod is null ? null : new EngulaPodSettings
    {
        NodeSelector = pod.NodeSelector,
        Tolerations = pod.Tolerations?.Select(t => new V1Toleration
        {
            Key = t.Key,
            OperatorProperty = t.Operator,
            Value = t.Value,
            Effect = t.Effect,
            TolerationSeconds = t.TolerationSeconds,
        }).ToList(),
        Affinity = Typed<V1Affinity>("spec.pod.affinity", pod.Affinity),
        TopologySpreadConstraints = pod.TopologySpreadConstraints?.Select((t, i) => new V1TopologySpreadConstraint
        {
            MaxSkew = t.MaxSkew,
            TopologyKey = t.TopologyKey,
            WhenUnsatisfiable = t.WhenUnsatisfiable,
            LabelSelector = Typed<V1LabelSelector>($"spec.pod.topologySpreadConstraints[{i}].labelSelector", t.LabelSelector),
        }).ToList(),
        PriorityClassName = pod.PriorityClassName,
        Labels = pod.Labels,
        Annotations = pod.Annotations,
    };

    /// <summary>
    /// A field the schema keeps as written (an object of a Kubernetes type) as that type. A field the type does not
    /// have would be dropped silently by the conversion — a misspelt <c>requiredDuringScheduling…</c> would leave
    /// the pods unconstrained — so the typed value must hold everything the user wrote.
    /// </summary>
    /// <exception cref="ArgumentException">Not an object of that type, or with a field it does not have.</exception>
    private static T? Typed<T>(string field, JsonElement? value) where T : class
    {
        if (value is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } raw)
        {
            return null;
        }

        T? typed;
        try
        {
            typed = KubernetesJson.Deserialize<T>(raw.GetRawText());
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{field}: not a {typeof(T).Name[2..]}: {e.Message}", field, e);
        }

        if (typed is null)
        {
            throw new ArgumentException($"{field}: not a {typeof(T).Name[2..]}", field);
        }

        if (UnknownField(raw, JsonDocument.Parse(KubernetesJson.Serialize(typed)).RootElement, "") is { } unknown)
        {
            throw new ArgumentException($"{field}: {typeof(T).Name[2..]} has no field {unknown}", field);
        }

        return typed;
    }

    /// <summary>The path of the first property of <paramref name="written"/> that <paramref name="typed"/> lacks, or null.</summary>
    private static string? UnknownField(JsonElement written, JsonElement typed, string path)
    {
        if (written.ValueKind == JsonValueKind.Object && typed.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in written.EnumerateObject())
            {
                string at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (!typed.TryGetProperty(property.Name, out var kept))
                {
                    return at;
                }

                if (UnknownField(property.Value, kept, at) is { } deeper)
                {
                    return deeper;
                }
            }
        }
        else if (written.ValueKind == JsonValueKind.Array && typed.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var (item, kept) in written.EnumerateArray().Zip(typed.EnumerateArray()))
            {
                if (UnknownField(item, kept, $"{path}[{i++}]") is { } deeper)
                {
                    return deeper;
                }
            }
        }

        return null;
    }

    private static V1ResourceRequirements? ToResources(ResourceSpec? spec) => spec is null ? null : new V1ResourceRequirements
    {
        Limits = spec.Limits?.ToDictionary(p => p.Key, p => new ResourceQuantity(QuantityText(p.Value))),
        Requests = spec.Requests?.ToDictionary(p => p.Key, p => new ResourceQuantity(QuantityText(p.Value))),
    };

    private static string? Quantity(Dictionary<string, JsonElement>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? QuantityText(value) : null;

    private static string QuantityText(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
