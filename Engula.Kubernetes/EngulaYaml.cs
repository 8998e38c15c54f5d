using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engula.Kubernetes;

/// <summary>Writes objects as a multi-document YAML string, byte-stable for equal input.</summary>
public static class EngulaYaml
{
    /// <summary>
    /// The objects as YAML documents separated by <c>---</c>, in the given order, ending with a newline (LF only).
    /// Fields are in the order of the models (<c>apiVersion</c>, <c>kind</c>, <c>metadata</c> first, the rest
    /// alphabetical) and dictionaries in insertion order; the builders insert labels and resources in ordinal key
    /// order, so equal descriptions give identical bytes.
    /// </summary>
    /// <remarks>
    /// Every value keeps its JSON type, which is what the API server reads. <c>KubernetesYaml.Serialize</c> of the typed
    /// objects writes a quantity as a plain scalar, so <c>cpu: "1"</c> became <c>cpu: 1</c>, an integer to every YAML
    /// reader; kubectl then sends the number 1, which Kubernetes 1.20's server-side apply refuses for a quantity
    /// ("expected string, got 1"). Written from the objects' JSON form instead (where a quantity is a string), the
    /// same serializer quotes every string that would read as a number, boolean or null.
    /// </remarks>
    public static string Write(IEnumerable<IKubernetesObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return Write(objects.Select(obj => JsonNode.Parse(KubernetesJson.Serialize(obj))!));
    }

    /// <summary>
    /// JSON documents (an object's JSON form, possibly edited, or any other JSON value) written exactly as
    /// <see cref="Write(IEnumerable{IKubernetesObject})"/> writes objects: for generators that put placeholders where
    /// the typed models allow none (a string where the model has an integer), then substitute the placeholders' text.
    /// </summary>
    public static string Write(IEnumerable<JsonNode> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var yaml = new StringBuilder();
        foreach (var document in documents)
        {
            if (yaml.Length > 0)
            {
                yaml.Append("---\n");
            }

            // Parsed again from its text: a node built in code holds .NET values (an int, a string), Plain reads
            // parsed JSON elements. Serialize's output has no trailing newline; normalise line endings in case a
            // value contained CR LF.
            yaml.Append(KubernetesYaml.Serialize(Plain(JsonNode.Parse(document.ToJsonString()))!).Replace("\r\n", "\n", StringComparison.Ordinal)).Append('\n');
        }

        return yaml.ToString();
    }

    /// <summary>One component's objects (Service, StatefulSet, PodDisruptionBudget, NetworkPolicy) as one YAML file's content.</summary>
    public static string Write(ComponentObjects component)
    {
        ArgumentNullException.ThrowIfNull(component);
        return Write(component.All);
    }

    /// <summary>The fields the models put first in any object that has an <c>apiVersion</c> or a <c>kind</c>, in this order.</summary>
    private static readonly string[] LeadingFields = ["apiVersion", "kind", "metadata"];

    /// <summary>
    /// JSON as plain .NET values the YAML serializer writes with their JSON types: objects as dictionaries in the
    /// models' field order, arrays as lists, strings, integers, booleans.
    /// </summary>
    private static object? Plain(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject o:
                // JSON has the fields in declaration order; the models' YAML order puts apiVersion, kind and metadata first.
                var fields = o.ToList();
                if (fields.Any(f => f.Key is "apiVersion" or "kind"))
                {
                    fields = [.. LeadingFields.SelectMany(name => fields.Where(f => f.Key == name)), .. fields.Where(f => !LeadingFields.Contains(f.Key))];
                }

                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in fields)
                {
                    map.Add(key, Plain(value));
                }

                return map;
            case JsonArray a:
                return a.Select(Plain).ToList();
            case JsonValue v:
                var element = v.GetValue<JsonElement>();
                return element.ValueKind switch
                {
                    JsonValueKind.String => element.GetString(),
                    JsonValueKind.Number => element.TryGetInt64(out long integer) ? (object)integer : (object)element.GetDouble(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => null,
                };
            default:
                throw new InvalidOperationException($"unexpected JSON node {node.GetType().Name}");
        }
    }
}
