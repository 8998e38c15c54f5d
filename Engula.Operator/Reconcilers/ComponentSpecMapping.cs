using System.Text.Json;
using Engula.Kubernetes;
using Engula.Operator.Api;
using k8s.Models;

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
            Owner = owner,
        };
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
