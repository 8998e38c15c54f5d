using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;

namespace Engula.Operator.Schema;

/// <summary>
/// A structural OpenAPI v3 schema (what CRDs v1 require) from a C# type: properties by their
/// <see cref="JsonPropertyNameAttribute"/>, constraints from DataAnnotations (<see cref="RequiredAttribute"/>,
/// <see cref="RangeAttribute"/>, <see cref="MinLengthAttribute"/>, <see cref="AllowedValuesAttribute"/>), defaults from
/// <see cref="DefaultValueAttribute"/>, descriptions from <see cref="DescriptionAttribute"/>, and the Kubernetes
/// extensions from the attributes in this namespace. Only plain OpenAPI constraints: the 1.20 test server drops CEL
/// rules silently, so a constraint that needs CEL is checked by the reconciler instead.
/// </summary>
internal static class SchemaGenerator
{
    public static V1JSONSchemaProps For(Type type) => ForType(type, null);

    private static V1JSONSchemaProps ForType(Type type, PropertyInfo? property)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (property?.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            return new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
        }

        if (type == typeof(string))
        {
            return new V1JSONSchemaProps { Type = "string" };
        }

        if (type == typeof(int))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int32" };
        }

        if (type == typeof(long))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int64" };
        }

        if (type == typeof(bool))
        {
            return new V1JSONSchemaProps { Type = "boolean" };
        }

        if (type == typeof(DateTime))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        }

        if (type == typeof(JsonElement) && property?.GetCustomAttribute<QuantityAttribute>() is not null)
        {
            return Quantity();
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var valueType = type.GetGenericArguments()[1];
            var value = valueType == typeof(JsonElement) && property?.GetCustomAttribute<QuantityAttribute>() is not null
                ? Quantity()
                : ForType(valueType, null);
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = value };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var items = ForType(type.GetGenericArguments()[0], null);
            var schema = new V1JSONSchemaProps { Type = "array", Items = items };
            if (property?.GetCustomAttribute<ListMapAttribute>() is { } listMap)
            {
                schema.XKubernetesListType = "map";
                schema.XKubernetesListMapKeys = [.. listMap.Keys];
                items.Required = [.. (items.Required ?? []).Union(listMap.Keys).Order(StringComparer.Ordinal)];
            }

            return schema;
        }

        if (type.IsClass)
        {
            return ForObject(type);
        }

        throw new NotSupportedException($"no schema for {type} ({property?.DeclaringType?.Name}.{property?.Name})");
    }

    private static V1JSONSchemaProps ForObject(Type type)
    {
        var properties = new SortedDictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal);
        var required = new List<string>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is not { } json)
            {
                continue;
            }

            var schema = ForType(property.PropertyType, property);
            Annotate(schema, property);
            properties[json.Name] = schema;
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(json.Name);
            }
        }

        return new V1JSONSchemaProps
        {
            Type = "object",
            Properties = new Dictionary<string, V1JSONSchemaProps>(properties),
            Required = required.Count == 0 ? null : [.. required.Order(StringComparer.Ordinal)],
        };
    }

    private static void Annotate(V1JSONSchemaProps schema, PropertyInfo property)
    {
        if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
        {
            schema.Description = description.Description;
        }

        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema.Minimum = Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
            double max = Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
            // int.MaxValue is "no upper bound beyond the type's own": leave it out of the schema.
            if (max < int.MaxValue)
            {
                schema.Maximum = max;
            }
        }

        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
        {
            schema.MinLength = minLength.Length;
        }

        if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
        {
            schema.EnumProperty = [.. allowed.Values.Cast<object>()];
        }

        if (property.GetCustomAttribute<DefaultValueAttribute>() is { } defaultValue)
        {
            schema.DefaultProperty = defaultValue.Value;
        }

        if (property.GetCustomAttribute<DefaultObjectAttribute>() is not null)
        {
            schema.DefaultProperty = new Dictionary<string, object>();
        }
    }

    private static V1JSONSchemaProps Quantity() => new()
    {
        AnyOf = [new V1JSONSchemaProps { Type = "integer" }, new V1JSONSchemaProps { Type = "string" }],
        Pattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
        XKubernetesIntOrString = true,
    };
}
