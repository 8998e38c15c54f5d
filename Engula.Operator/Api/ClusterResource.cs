using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>A <c>Cluster</c> custom resource.</summary>
internal sealed class ClusterResource : IKubernetesObject<V1ObjectMeta>, ISpec<ClusterSpec>, IStatus<ClusterStatus?>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = EngulaApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Cluster";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    [DefaultObject]
    public ClusterSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ClusterStatus? Status { get; set; }
}
