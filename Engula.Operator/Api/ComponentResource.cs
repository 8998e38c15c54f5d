using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>
/// A <c>Journal</c>, <c>Storage</c>, <c>Kernel</c>, <c>Engine</c> or <c>Background</c> custom resource (one C# type:
/// the specs share a shape; Background's schema comes from <see cref="BackgroundSpec"/>, which lacks the volume).
/// </summary>
internal sealed class ComponentResource : IKubernetesObject<V1ObjectMeta>, ISpec<ComponentSpec>, IStatus<ComponentStatus?>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = EngulaApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    [DefaultObject]
    public ComponentSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ComponentStatus? Status { get; set; }
}
