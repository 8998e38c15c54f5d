using Engula.Operator.Schema;

namespace Engula.Operator.Manifests;

/// <summary>
/// The six CustomResourceDefinitions, from the types in <see cref="Api"/>. Names, group, version and plurals are the
/// original operator's; the schemas are structural, with defaults and plain OpenAPI validation (no CEL: 1.20).
/// </summary>
internal static class CrdBuilder
{
    public static IReadOnlyList<V1CustomResourceDefinition> All() => [.. ResourceKinds.All.Select(Build)];

    public static V1CustomResourceDefinition Build(ResourceKind kind)
    {
        bool component = kind != ResourceKind.Cluster;
        var spec = kind switch
        {
            ResourceKind.Cluster => ClusterSpecSchema(),
            ResourceKind.Background => SchemaGenerator.For(typeof(BackgroundSpec)),
            _ => SchemaGenerator.For(typeof(ComponentSpec)),
        };
        if (component)
        {
            SetComponentDefaults(spec, kind);
        }

        spec.DefaultProperty = new Dictionary<string, object>();
        spec.Description = kind == ResourceKind.Cluster
            ? "An Engula cluster: a component resource <cluster>-<component> for each present section."
            : $"A {kind.Singular()}: a StatefulSet and a headless Service named like this resource.";
        var status = SchemaGenerator.For(component ? typeof(ComponentStatus) : typeof(ClusterStatus));
        var root = new V1JSONSchemaProps
        {
            Type = "object",
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["apiVersion"] = new() { Type = "string" },
                ["kind"] = new() { Type = "string" },
                ["metadata"] = new() { Type = "object" },
                ["spec"] = spec,
                ["status"] = status,
            },
        };

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta
            {
                Name = $"{kind.Plural()}.{EngulaApi.Group}",
                Labels = new Dictionary<string, string> { [EngulaLabels.Name] = "engula-operator" },
            },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = EngulaApi.Group,
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = kind.KindName(),
                    ListKind = kind.KindName() + "List",
                    Plural = kind.Plural(),
                    Singular = kind.Singular(),
                    Categories = ["engula"],
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = EngulaApi.Version,
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
                        Subresources = new V1CustomResourceSubresources
                        {
                            Status = new Dictionary<string, object>(),
                            // The Kubernetes API itself, under RBAC, is the scaling API the original asked for.
                            Scale = component
                                ? new V1CustomResourceSubresourceScale
                                {
                                    SpecReplicasPath = ".spec.replicas",
                                    StatusReplicasPath = ".status.replicas",
                                    LabelSelectorPath = ".status.selector",
                                }
                                : null,
                        },
                        AdditionalPrinterColumns = component ? ComponentColumns() : ClusterColumns(),
                    },
                ],
            },
        };
    }

    private static V1JSONSchemaProps ClusterSpecSchema()
    {
        var spec = SchemaGenerator.For(typeof(ClusterSpec));
        foreach (var kind in ResourceKinds.Components)
        {
            SetComponentDefaults(spec.Properties[kind.Singular()], kind);
        }

        return spec;
    }

    /// <summary>Per-kind parts the shared spec type cannot say: the port default, and the kernel's minimum of 1 (as in the original).</summary>
    private static void SetComponentDefaults(V1JSONSchemaProps spec, ResourceKind kind)
    {
        spec.Properties["port"].DefaultProperty = kind.DefaultPort();
        if (kind == ResourceKind.Kernel)
        {
            spec.Properties["replicas"].Minimum = 1;
        }
    }

    private const string ReadyPath = ".status.conditions[?(@.type==\"Ready\")]";

    private static List<V1CustomResourceColumnDefinition> ComponentColumns() =>
    [
        new() { Name = "Replicas", Type = "integer", JsonPath = ".spec.replicas", Description = "Desired pods" },
        new() { Name = "Ready", Type = "integer", JsonPath = ".status.readyReplicas", Description = "Ready pods" },
        new() { Name = "Status", Type = "string", JsonPath = ReadyPath + ".reason", Description = "Reason of the Ready condition" },
        new() { Name = "Degraded", Type = "string", JsonPath = ".status.conditions[?(@.type==\"Degraded\")].reason", Description = "Reason of the Degraded condition" },
        new() { Name = "Age", Type = "date", JsonPath = ".metadata.creationTimestamp" },
        new() { Name = "Message", Type = "string", JsonPath = ".status.conditions[?(@.type==\"Progressing\")].message", Priority = 1 },
    ];

    private static List<V1CustomResourceColumnDefinition> ClusterColumns() =>
    [
        new() { Name = "Ready", Type = "string", JsonPath = ReadyPath + ".status", Description = "Every component Ready" },
        new() { Name = "Status", Type = "string", JsonPath = ReadyPath + ".reason", Description = "Reason of the Ready condition" },
        new() { Name = "Degraded", Type = "string", JsonPath = ".status.conditions[?(@.type==\"Degraded\")].reason", Description = "Reason of the Degraded condition" },
        new() { Name = "Age", Type = "date", JsonPath = ".metadata.creationTimestamp" },
        new() { Name = "Message", Type = "string", JsonPath = ".status.conditions[?(@.type==\"Progressing\")].message", Priority = 1 },
    ];
}
