using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Engula.Operator.Bench;

/// <summary>
/// The sample manifest as JSON, so each copy can be renamed and sent with CustomObjects. Plain scalars that read as
/// integers or booleans become JSON numbers/booleans (the CRD schema types <c>replicas</c> as an integer); quoted
/// scalars stay strings, as in YAML.
/// </summary>
internal static class YamlToJson
{
    public static JsonNode Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return ToNode(stream.Documents[0].RootNode) ?? throw new InvalidOperationException("empty YAML document");
    }

    private static JsonNode? ToNode(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToNode(p.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToNode)]),
        YamlScalarNode scalar when scalar.Style == ScalarStyle.Plain && long.TryParse(scalar.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) => JsonValue.Create(n),
        YamlScalarNode scalar when scalar.Style == ScalarStyle.Plain && bool.TryParse(scalar.Value, out bool b) => JsonValue.Create(b),
        YamlScalarNode scalar when scalar.Style == ScalarStyle.Plain && scalar.Value is null or "null" or "~" => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"unsupported YAML node {node.NodeType}"),
    };
}
