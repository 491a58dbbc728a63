namespace VectorDR.ControllerRuntime.Entities;

// The entity itself is described with k8s.Models.KubernetesEntityAttribute (Group, ApiVersion, Kind, PluralName),
// exactly as KubeOps does; these add what that attribute lacks.

/// <summary>Short names for kubectl (<c>kubectl get bp</c>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KubernetesEntityShortNamesAttribute(params string[] shortNames) : Attribute
{
    public IReadOnlyList<string> ShortNames { get; } = shortNames;
}

/// <summary>Categories for kubectl (<c>kubectl get vectordr</c> lists every kind in the category).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KubernetesEntityCategoriesAttribute(params string[] categories) : Attribute
{
    public IReadOnlyList<string> Categories { get; } = categories;
}

public enum EntityScope { Namespaced, Cluster }

[AttributeUsage(AttributeTargets.Class)]
public sealed class EntityScopeAttribute(EntityScope scope) : Attribute
{
    public EntityScope Scope { get; } = scope;
}

/// <summary>Documentation of the kind or of a field; becomes the schema's description (kubectl explain).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property | AttributeTargets.Enum)]
public sealed class DescriptionAttribute(string description) : Attribute
{
    public string Description { get; } = description;
}

/// <summary>The field must be present.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>A regular expression (ECMA 262, as the API server checks it) the string must match.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string pattern) : Attribute
{
    public string Pattern { get; } = pattern;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeMinimumAttribute(double minimum) : Attribute
{
    public double Minimum { get; } = minimum;
    public bool ExclusiveMinimum { get; init; }
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeMaximumAttribute(double maximum) : Attribute
{
    public double Maximum { get; } = maximum;
    public bool ExclusiveMaximum { get; init; }
}

/// <summary>Bounds of a list. -1 means unbounded.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute(long minItems = -1, long maxItems = -1) : Attribute
{
    public long MinItems { get; } = minItems;
    public long MaxItems { get; } = maxItems;
}

/// <summary>Bounds of a string's length. -1 means unbounded.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute(long minLength = -1, long maxLength = -1) : Attribute
{
    public long MinLength { get; } = minLength;
    public long MaxLength { get; } = maxLength;
}

/// <summary>A default the API server applies (defaults live in the schema, never written by a controller).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute : Attribute
{
    public DefaultAttribute(string value) => Value = value;
    public DefaultAttribute(long value) => Value = value;
    public DefaultAttribute(bool value) => Value = value;
    public DefaultAttribute(double value) => Value = value;

    public object Value { get; }
}

/// <summary>Defaults an object-typed field to <c>{}</c> so its own fields' defaults apply when it is omitted.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultEmptyObjectAttribute : Attribute;

/// <summary>A CEL rule (<c>x-kubernetes-validations</c>) on the type or field.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class ValidationRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
    /// <summary>Optional JSON path of the field the message is about (CRD <c>fieldPath</c>).</summary>
    public string? FieldPath { get; init; }
    /// <summary>Optional machine-readable reason (FieldValueInvalid, FieldValueForbidden, FieldValueRequired, FieldValueDuplicate).</summary>
    public string? Reason { get; init; }
}

/// <summary>The field keeps unknown fields (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>The list is a map keyed by the given fields (<c>x-kubernetes-list-type: map</c>): keys must be unique and server-side apply merges by them.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapAttribute(params string[] keys) : Attribute
{
    public IReadOnlyList<string> Keys { get; } = keys;
}

/// <summary>The field is left out of the schema.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IgnoreAttribute : Attribute;

/// <summary>A printer column from a property (its JSON path is derived from the property's place).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AdditionalPrinterColumnAttribute(string name, string type = "string") : Attribute
{
    public string Name { get; } = name;
    public string Type { get; } = type;
    public int Priority { get; init; }
    public string? Format { get; init; }
    public string? Description { get; init; }
}

/// <summary>A printer column given by an explicit JSON path (e.g. a condition's status), declared on the entity class in column order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(string name, string jsonPath, string type = "string") : Attribute
{
    public string Name { get; } = name;
    public string JsonPath { get; } = jsonPath;
    public string Type { get; } = type;
    public int Priority { get; init; }
    public string? Format { get; init; }
    public string? Description { get; init; }
    /// <summary>Sort key: class-level columns are ordered by this, then property columns, then Age.</summary>
    public int Order { get; init; }
}

/// <summary>Adds the conventional Age column (metadata.creationTimestamp) last.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class AgeColumnAttribute : Attribute;
