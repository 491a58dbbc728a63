using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.ControllerRuntime.Schema;

/// <summary>
/// Turns C# types and their attributes into a structural OpenAPI v3 schema, the way KubeOps' generator does.
/// Every property must carry a description: a missing one is a build-time error of the generator, so
/// <c>kubectl explain</c> never shows an empty field.
/// </summary>
public sealed class SchemaBuilder
{
    private readonly List<string> _missingDescriptions = [];

    public IReadOnlyList<string> MissingDescriptions => _missingDescriptions;

    public V1JSONSchemaProps ForType(Type type, string path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var schema = Primitive(type) ?? Composite(type, path);
        schema.Description ??= type.GetCustomAttribute<DescriptionAttribute>()?.Description;
        return schema;
    }

    private static V1JSONSchemaProps? Primitive(Type type)
    {
        if (type == typeof(string)) return new V1JSONSchemaProps { Type = "string" };
        if (type == typeof(bool)) return new V1JSONSchemaProps { Type = "boolean" };
        if (type == typeof(int) || type == typeof(short)) return new V1JSONSchemaProps { Type = "integer", Format = "int32" };
        if (type == typeof(long)) return new V1JSONSchemaProps { Type = "integer", Format = "int64" };
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return new V1JSONSchemaProps { Type = "number" };
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        if (type == typeof(IntOrString) || type == typeof(ResourceQuantity)) return new V1JSONSchemaProps { XKubernetesIntOrString = true };
        if (type == typeof(JsonElement) || type == typeof(JsonNode) || type == typeof(JsonObject) || type == typeof(object))
            return new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
        if (type.IsEnum) return new V1JSONSchemaProps { Type = "string", EnumProperty = EnumValues(type).Cast<object>().ToList() };
        return null;
    }

    public static IReadOnlyList<string> EnumValues(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name)
            .ToList();

    private V1JSONSchemaProps Composite(Type type, string path)
    {
        var dictionary = FindGeneric(type, typeof(IDictionary<,>)) ?? FindGeneric(type, typeof(IReadOnlyDictionary<,>));
        if (dictionary is not null)
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = ForType(dictionary.GetGenericArguments()[1], path + ".*") };

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var element = type.IsArray ? type.GetElementType()! : FindGeneric(type, typeof(IEnumerable<>))?.GetGenericArguments()[0]
                ?? throw new NotSupportedException($"{path}: non-generic collections are not supported");
            return new V1JSONSchemaProps { Type = "array", Items = ForType(element, path + "[]") };
        }

        return ForObject(type, path);
    }

    public V1JSONSchemaProps ForObject(Type type, string path)
    {
        var schema = new V1JSONSchemaProps { Type = "object", Properties = new Dictionary<string, V1JSONSchemaProps>() };
        var required = new List<string>();
        foreach (var property in Properties(type))
        {
            var name = JsonName(property);
            var propertyPath = $"{path}.{name}";
            var propertySchema = ForType(property.PropertyType, propertyPath);
            Apply(property, propertySchema, propertyPath);
            schema.Properties[name] = propertySchema;
            if (property.GetCustomAttribute<RequiredAttribute>() is not null) required.Add(name);
        }

        if (required.Count > 0) schema.Required = required;
        ApplyRules(type.GetCustomAttributes<ValidationRuleAttribute>(), schema);
        if (type.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null) schema.XKubernetesPreserveUnknownFields = true;
        return schema;
    }

    public static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.GetCustomAttribute<IgnoreAttribute>() is null)
            // Base-class properties first, then declaration order: the schema reads like the C# type.
            .OrderBy(p => InheritanceDepth(p.DeclaringType!))
            .ThenBy(p => p.MetadataToken);

    private static int InheritanceDepth(Type t)
    {
        var depth = 0;
        for (var b = t.BaseType; b is not null; b = b.BaseType) depth++;
        return depth;
    }

    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private void Apply(PropertyInfo property, V1JSONSchemaProps schema, string path)
    {
        var description = property.GetCustomAttribute<DescriptionAttribute>()?.Description;
        if (description is not null) schema.Description = description;
        if (string.IsNullOrWhiteSpace(schema.Description)) _missingDescriptions.Add(path);

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern) schema.Pattern = pattern.Pattern;
        if (property.GetCustomAttribute<RangeMinimumAttribute>() is { } min)
        {
            schema.Minimum = min.Minimum;
            if (min.ExclusiveMinimum) schema.ExclusiveMinimum = true;
        }
        if (property.GetCustomAttribute<RangeMaximumAttribute>() is { } max)
        {
            schema.Maximum = max.Maximum;
            if (max.ExclusiveMaximum) schema.ExclusiveMaximum = true;
        }
        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            if (items.MinItems >= 0) schema.MinItems = items.MinItems;
            if (items.MaxItems >= 0) schema.MaxItems = items.MaxItems;
        }
        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            if (length.MinLength >= 0) schema.MinLength = length.MinLength;
            if (length.MaxLength >= 0) schema.MaxLength = length.MaxLength;
        }
        if (property.GetCustomAttribute<DefaultAttribute>() is { } @default) schema.DefaultProperty = @default.Value;
        if (property.GetCustomAttribute<DefaultEmptyObjectAttribute>() is not null) schema.DefaultProperty = new Dictionary<string, object>();
        if (property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null) schema.XKubernetesPreserveUnknownFields = true;
        if (property.GetCustomAttribute<ListMapAttribute>() is { } listMap)
        {
            schema.XKubernetesListType = "map";
            schema.XKubernetesListMapKeys = listMap.Keys.ToList();
        }
        ApplyRules(property.GetCustomAttributes<ValidationRuleAttribute>(), schema);
    }

    private static void ApplyRules(IEnumerable<ValidationRuleAttribute> rules, V1JSONSchemaProps schema)
    {
        var list = rules.Select(r => new V1ValidationRule { Rule = r.Rule, FieldPath = r.FieldPath, Message = r.Message, Reason = r.Reason }).ToList();
        if (list.Count == 0) return;
        schema.XKubernetesValidations ??= [];
        foreach (var rule in list) schema.XKubernetesValidations.Add(rule);
    }

    private static Type? FindGeneric(Type type, Type genericDefinition)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == genericDefinition) return type;
        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == genericDefinition);
    }
}
