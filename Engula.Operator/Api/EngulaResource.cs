using Engula.Operator.Schema;

namespace Engula.Operator.Api;

/// <summary>
/// What every cluster.engula.io object has: apiVersion, kind, metadata, a spec and a status. The Cluster and the
/// component resources differ only in the types of their spec and status.
/// </summary>
internal abstract class EngulaResource<TSpec, TStatus>(string kind) : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus?>
    where TSpec : new()
    where TStatus : class
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = EngulaApi.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = kind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    [DefaultObject]
    public TSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public TStatus? Status { get; set; }
}
