using System.Text.Json.Serialization;

namespace Engula.Kubernetes;

/// <summary>
/// The Prometheus Operator's <c>monitoring.coreos.com/v1</c> PodMonitor, with only the fields the builders set (the
/// Kubernetes client has no model for it). It tells a Prometheus managed by that operator to scrape the component's
/// pods at <c>/metrics</c>.
/// </summary>
public sealed class PodMonitor : IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The Prometheus Operator's API group.</summary>
    public const string Group = "monitoring.coreos.com";
    /// <summary>Its version.</summary>
    public const string Version = "v1";
    /// <summary>The resource name in URLs and RBAC rules.</summary>
    public const string Plural = "podmonitors";

    /// <summary><c>monitoring.coreos.com/v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = Group + "/" + Version;

    /// <summary><c>PodMonitor</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "PodMonitor";

    /// <summary>Name, namespace, labels and owner, as the component's other objects.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What to scrape.</summary>
    [JsonPropertyName("spec")]
    public PodMonitorSpec Spec { get; set; } = new();
}

/// <summary>Which pods to scrape and where.</summary>
public sealed class PodMonitorSpec
{
    /// <summary>The component's pod selector.</summary>
    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    /// <summary>The endpoints to scrape on each pod.</summary>
    [JsonPropertyName("podMetricsEndpoints")]
    public List<PodMetricsEndpoint> PodMetricsEndpoints { get; set; } = [];
}

/// <summary>A named container port and path to scrape.</summary>
public sealed class PodMetricsEndpoint
{
    /// <summary>Name of the container port.</summary>
    [JsonPropertyName("port")]
    public string? Port { get; set; }

    /// <summary>HTTP path of the metrics.</summary>
    [JsonPropertyName("path")]
    public string? Path { get; set; }
}
