using System.Text.Json.Nodes;

namespace Engula.Kubernetes;

/// <summary>
/// "Is what we would apply already there?" — the compare before a server-side apply that keeps a steady cluster at
/// zero writes (on Kubernetes 1.20 an identical StatefulSet apply is not a no-op after a controller status
/// write). Every value in the desired object must equal the live one; the server may add fields (defaults,
/// status, other managers' fields). Lists must have the same length and match item by item. An empty object or list
/// in the desired object matches an absent one (the server drops empty values).
/// </summary>
public static class JsonSubset
{
    /// <summary>
    /// Whether <paramref name="live"/> (null when absent) holds every value of <paramref name="desired"/>; names the
    /// first differing path. The top-level apiVersion and kind are not compared: items of a list carry none.
    /// </summary>
    public static bool Contains(object? live, object desired, out string difference)
    {
        var liveNode = live switch
        {
            null => null,
            JsonNode node => node,
            _ => JsonNode.Parse(KubernetesJson.Serialize(live)),
        };
        var desiredNode = JsonNode.Parse(KubernetesJson.Serialize(desired));
        if (desiredNode is JsonObject root)
        {
            root.Remove("apiVersion");
            root.Remove("kind");
        }

        if (liveNode is null)
        {
            difference = "(absent)";
            return false;
        }

        return Contains(liveNode, desiredNode, "", out difference);
    }

    private static bool Contains(JsonNode? live, JsonNode? desired, string path, out string difference)
    {
        difference = path;
        switch (desired)
        {
            case null:
                return true;
            case JsonObject desiredObject:
                if (live is not JsonObject liveObject)
                {
                    return live is null && desiredObject.Count == 0;
                }

                foreach (var (name, value) in desiredObject)
                {
                    if (!Contains(liveObject[name], value, path + "." + name, out difference))
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray desiredArray:
                if (live is not JsonArray liveArray)
                {
                    return live is null && desiredArray.Count == 0;
                }

                if (liveArray.Count != desiredArray.Count)
                {
                    return false;
                }

                for (int i = 0; i < desiredArray.Count; i++)
                {
                    if (!Contains(liveArray[i], desiredArray[i], $"{path}[{i}]", out difference))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return live is JsonValue && JsonNode.DeepEquals(live, desired);
        }
    }
}
