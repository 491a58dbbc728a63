using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Schema;

/// <summary>What processing a custom resource against its schema found.</summary>
internal sealed record SchemaOutcome(IReadOnlyList<FieldError> Errors, IReadOnlyList<string> UnknownFields);

/// <summary>
/// A CRD version's <c>openAPIV3Schema</c> applied the way the apiextensions server does it, in its order:
/// structural pruning (unknown fields and non-nullable nulls dropped), defaulting, then validation
/// (OpenAPI value validations plus the supported subset of CEL <c>x-kubernetes-validations</c>).
/// </summary>
internal sealed class StructuralSchema
{
    /// <summary>ObjectMeta's fields: anything else under metadata is dropped on decode, as the real server does.</summary>
    private static readonly HashSet<string> ObjectMetaFields =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private readonly JsonObject _root;
    private readonly Dictionary<string, Regex> _patterns = new(StringComparer.Ordinal);

    public StructuralSchema(JsonObject openApiV3Schema) => _root = openApiV3Schema;

    /// <summary>Prunes and defaults <paramref name="obj"/> in place and validates it; <paramref name="old"/> is the stored object on update.</summary>
    public SchemaOutcome Process(JsonObject obj, JsonObject? old)
    {
        var unknown = new List<string>();
        if (obj["metadata"] is JsonObject meta)
        {
            foreach (var key in meta.Select(kv => kv.Key).Where(k => !ObjectMetaFields.Contains(k)).ToList())
            {
                meta.Remove(key);
                unknown.Add("metadata." + key);
            }
        }

        PruneObject(obj, _root, "", unknown, isRoot: true);
        ApplyDefaults(obj, _root);
        var errors = new List<FieldError>();
        ValidateObjectBody(obj, _root, "", errors, old, isRoot: true);
        return new SchemaOutcome(errors, unknown);
    }

    /// <summary>Applies only defaults (used when serving stored objects whose CRD gained defaults later).</summary>
    public void Default(JsonObject obj) => ApplyDefaults(obj, _root);

    // ---------------------------------------------------------------- pruning

    private static void Prune(JsonNode? node, JsonObject? schema, string path, List<string> unknown)
    {
        if (schema is null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, path, unknown, isRoot: false);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, $"{path}[{i}]", unknown);
                }

                break;
        }
    }

    private static void PruneObject(JsonObject obj, JsonObject schema, string path, List<string> unknown, bool isRoot)
    {
        var preserve = IsTrue(schema, "x-kubernetes-preserve-unknown-fields");
        var embedded = IsTrue(schema, "x-kubernetes-embedded-resource");
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"];
        foreach (var key in obj.Select(kv => kv.Key).ToList())
        {
            var child = Child(path, key);
            if ((isRoot || embedded) && key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (properties?[key] is JsonObject propertySchema)
            {
                if (obj[key] is null && !IsTrue(propertySchema, "nullable"))
                {
                    obj.Remove(key);
                    continue;
                }

                Prune(obj[key], propertySchema, child, unknown);
            }
            else if (additional is JsonObject additionalSchema)
            {
                if (obj[key] is null && !IsTrue(additionalSchema, "nullable"))
                {
                    obj.Remove(key);
                    continue;
                }

                Prune(obj[key], additionalSchema, $"{path}[{key}]", unknown);
            }
            else if (!preserve && !(additional is JsonValue v && v.GetValueKind() == JsonValueKind.True))
            {
                obj.Remove(key);
                unknown.Add(child);
            }
        }
    }

    // ---------------------------------------------------------------- defaulting

    private static void ApplyDefaults(JsonNode? node, JsonObject? schema)
    {
        if (schema is null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var (key, propertyNode) in properties)
                    {
                        if (propertyNode is not JsonObject propertySchema)
                        {
                            continue;
                        }

                        if (!obj.ContainsKey(key) && propertySchema["default"] is { } defaultValue)
                        {
                            obj[key] = defaultValue.DeepClone();
                        }

                        ApplyDefaults(obj[key], propertySchema);
                    }
                }

                if (schema["additionalProperties"] is JsonObject additionalSchema)
                {
                    foreach (var (_, value) in obj.ToList())
                    {
                        ApplyDefaults(value, additionalSchema);
                    }
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (var item in array)
                {
                    ApplyDefaults(item, items);
                }

                break;
        }
    }

    // ---------------------------------------------------------------- validation

    private void Validate(JsonNode? node, JsonObject schema, string path, List<FieldError> errors, JsonNode? old, bool hasOld)
    {
        if (node is null)
        {
            if (!IsTrue(schema, "nullable") && schema["type"] is JsonValue)
            {
                errors.Add(FieldError.Invalid(path, "\"null\"", $"{path} in body must be of type {schema["type"]!.GetValue<string>()}: \"null\""));
            }

            return;
        }

        if (!CheckType(node, schema, path, errors))
        {
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            errors.Add(FieldError.NotSupported(path, Render(node), allowed.Select(a => Render(a))));
        }

        switch (node)
        {
            case JsonObject obj:
                ValidateObjectBody(obj, schema, path, errors, hasOld ? old : null, isRoot: false, oldPresent: hasOld);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, errors, old as JsonArray);
                break;
            case JsonValue value:
                ValidateScalar(value, schema, path, errors);
                break;
        }

        ValidateCombinators(node, schema, path, errors);
        ValidateRules(node, schema, path, errors, old, hasOld);
    }

    private void ValidateObjectBody(JsonObject obj, JsonObject schema, string path, List<FieldError> errors, JsonNode? old, bool isRoot, bool oldPresent = false)
    {
        oldPresent |= isRoot && old is not null;
        var oldObject = old as JsonObject;
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r?.GetValue<string>()).OfType<string>())
            {
                if (!obj.ContainsKey(name) && !(isRoot && name is "apiVersion" or "kind" or "metadata"))
                {
                    errors.Add(FieldError.Required(Child(path, name)));
                }
            }
        }

        if (schema["minProperties"] is JsonValue minProperties && obj.Count < minProperties.GetValue<long>())
        {
            errors.Add(FieldError.Invalid(path, Render(obj), $"{path} in body should have at least {minProperties.GetValue<long>()} properties"));
        }

        if (schema["maxProperties"] is JsonValue maxProperties && obj.Count > maxProperties.GetValue<long>())
        {
            errors.Add(FieldError.TooMany(path, obj.Count, maxProperties.GetValue<long>()));
        }

        var properties = schema["properties"] as JsonObject;
        foreach (var (key, value) in obj)
        {
            if (isRoot && key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            var oldChild = oldObject?[key];
            var hasOldChild = oldPresent && oldObject is not null && oldObject.ContainsKey(key);
            if (properties?[key] is JsonObject propertySchema)
            {
                Validate(value, propertySchema, Child(path, key), errors, oldChild, hasOldChild);
            }
            else if (schema["additionalProperties"] is JsonObject additionalSchema)
            {
                Validate(value, additionalSchema, Child(path, key), errors, oldChild, hasOldChild);
            }
        }

        if (isRoot)
        {
            ValidateRules(obj, schema, path, errors, old, oldPresent);
        }
    }

    private void ValidateArray(JsonArray array, JsonObject schema, string path, List<FieldError> errors, JsonArray? old)
    {
        if (schema["minItems"] is JsonValue minItems && array.Count < minItems.GetValue<long>())
        {
            errors.Add(FieldError.Invalid(path, array.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {minItems.GetValue<long>()} items"));
        }

        if (schema["maxItems"] is JsonValue maxItems && array.Count > maxItems.GetValue<long>())
        {
            errors.Add(FieldError.TooMany(path, array.Count, maxItems.GetValue<long>()));
        }

        var listType = schema["x-kubernetes-list-type"]?.GetValue<string>();
        if (IsTrue(schema, "uniqueItems") || listType == "set")
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array.Take(i).Any(prior => JsonNode.DeepEquals(prior, array[i])))
                {
                    errors.Add(FieldError.Duplicate($"{path}[{i}]", Render(array[i])));
                }
            }
        }

        if (listType == "map" && schema["x-kubernetes-list-map-keys"] is JsonArray mapKeys)
        {
            var keys = mapKeys.Select(k => k!.GetValue<string>()).ToList();
            var seen = new List<JsonObject>();
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonObject item)
                {
                    continue;
                }

                if (seen.Any(s => keys.All(k => JsonNode.DeepEquals(s[k], item[k]))))
                {
                    errors.Add(FieldError.Duplicate($"{path}[{i}]", "map[string]interface {}{" + string.Join(", ", keys.Select(k => $"\"{k}\":{Render(item[k])}")) + "}"));
                }

                seen.Add(item);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                // Transition rules on list items only correlate for map lists; positional correlation is not used by the real server.
                Validate(array[i], items, $"{path}[{i}]", errors, null, hasOld: false);
            }
        }
    }

    private void ValidateScalar(JsonValue value, JsonObject schema, string path, List<FieldError> errors)
    {
        var kind = value.GetValueKind();
        if (kind == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            var length = new StringInfo(text).LengthInTextElements;
            if (schema["minLength"] is JsonValue minLength && length < minLength.GetValue<long>())
            {
                errors.Add(FieldError.Invalid(path, Render(value), $"{path} in body should be at least {minLength.GetValue<long>()} chars long"));
            }

            if (schema["maxLength"] is JsonValue maxLength && length > maxLength.GetValue<long>())
            {
                errors.Add(FieldError.TooLong(path, maxLength.GetValue<long>()));
            }

            if (schema["pattern"]?.GetValue<string>() is { } pattern && !PatternFor(pattern).IsMatch(text))
            {
                errors.Add(FieldError.Invalid(path, Render(value), $"{path} in body should match '{pattern}'"));
            }

            if (schema["format"]?.GetValue<string>() == "date-time" &&
                !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
            {
                errors.Add(FieldError.Invalid(path, Render(value), $"{path} in body must be of type date-time: {Render(value)}"));
            }
        }
        else if (kind == JsonValueKind.Number)
        {
            var number = value.GetValue<decimal>();
            if (schema["minimum"] is JsonValue minimum)
            {
                var exclusive = IsTrue(schema, "exclusiveMinimum");
                var bound = minimum.GetValue<decimal>();
                if (exclusive ? number <= bound : number < bound)
                {
                    errors.Add(FieldError.Invalid(path, Render(value), $"{path} in body should be greater than {(exclusive ? "" : "or equal to ")}{minimum.ToJsonString()}"));
                }
            }

            if (schema["maximum"] is JsonValue maximum)
            {
                var exclusive = IsTrue(schema, "exclusiveMaximum");
                var bound = maximum.GetValue<decimal>();
                if (exclusive ? number >= bound : number > bound)
                {
                    errors.Add(FieldError.Invalid(path, Render(value), $"{path} in body should be less than {(exclusive ? "" : "or equal to ")}{maximum.ToJsonString()}"));
                }
            }

            if (schema["multipleOf"] is JsonValue multipleOf && multipleOf.GetValue<decimal>() != 0 && number % multipleOf.GetValue<decimal>() != 0)
            {
                errors.Add(FieldError.Invalid(path, Render(value), $"{path} in body should be a multiple of {multipleOf.ToJsonString()}"));
            }
        }
    }

    /// <summary>allOf/anyOf/oneOf/not carry only value validations in a structural schema.</summary>
    private void ValidateCombinators(JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["allOf"] is JsonArray allOf)
        {
            foreach (var sub in allOf.OfType<JsonObject>())
            {
                Validate(node, sub, path, errors, null, false);
            }
        }

        if (schema["anyOf"] is JsonArray anyOf)
        {
            var attempts = anyOf.OfType<JsonObject>().Select(sub => Collect(node, sub, path)).ToList();
            if (attempts.Count > 0 && attempts.All(a => a.Count > 0))
            {
                errors.AddRange(attempts[0]);
            }
        }

        if (schema["oneOf"] is JsonArray oneOf)
        {
            var passing = oneOf.OfType<JsonObject>().Count(sub => Collect(node, sub, path).Count == 0);
            if (passing != 1)
            {
                errors.Add(FieldError.Invalid(path, Render(node), $"{path} in body must validate one and only one schema (oneOf)"));
            }
        }

        if (schema["not"] is JsonObject not && Collect(node, not, path).Count == 0)
        {
            errors.Add(FieldError.Invalid(path, Render(node), $"{path} in body must not validate the schema (not)"));
        }
    }

    private List<FieldError> Collect(JsonNode node, JsonObject schema, string path)
    {
        var errors = new List<FieldError>();
        Validate(node, schema, path, errors, null, false);
        return errors;
    }

    private static void ValidateRules(JsonNode node, JsonObject schema, string path, List<FieldError> errors, JsonNode? old, bool hasOld)
    {
        if (schema["x-kubernetes-validations"] is not JsonArray rules)
        {
            return;
        }

        foreach (var rule in rules.OfType<JsonObject>())
        {
            var expression = rule["rule"]?.GetValue<string>();
            if (expression is null)
            {
                continue;
            }

            var isTransition = CelExpression.ReferencesOldSelf(expression);
            if (isTransition && !hasOld && rule["optionalOldSelf"]?.GetValue<bool>() != true)
            {
                continue;
            }

            var fieldPath = rule["fieldPath"]?.GetValue<string>() is { } fp ? path + fp : path;
            var reason = rule["reason"]?.GetValue<string>() ?? "FieldValueInvalid";
            try
            {
                if (!CelExpression.Evaluate(expression, node, hasOld ? old : null, hasOld))
                {
                    var message = rule["message"]?.GetValue<string>() ?? $"failed rule: {expression}";
                    errors.Add(ErrorFor(reason, fieldPath, Render(node), message));
                }
            }
            catch (CelException e)
            {
                errors.Add(FieldError.Invalid(fieldPath, Render(node), $"{e.Message} evaluating rule: {expression}"));
            }
        }
    }

    private static FieldError ErrorFor(string reason, string path, string rendered, string message) => reason switch
    {
        "FieldValueRequired" => new FieldError(path, reason, $"Required value: {message}"),
        "FieldValueForbidden" => FieldError.Forbidden(path, message),
        "FieldValueDuplicate" => new FieldError(path, reason, $"Duplicate value: {message}"),
        _ => FieldError.Invalid(path, rendered, message),
    };

    private static bool CheckType(JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        var actual = GoTypeName(node);
        if (IsTrue(schema, "x-kubernetes-int-or-string"))
        {
            if (actual is "integer" or "string")
            {
                return true;
            }

            errors.Add(FieldError.Invalid(path, $"\"{actual}\"", $"{path} in body must be of type integer,string: \"{actual}\""));
            return false;
        }

        var expected = schema["type"]?.GetValue<string>();
        if (expected is null || expected == actual || (expected == "number" && actual == "integer"))
        {
            return true;
        }

        errors.Add(FieldError.Invalid(path, $"\"{actual}\"", $"{path} in body must be of type {expected}: \"{actual}\""));
        return false;
    }

    private static string GoTypeName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => v.TryGetValue<long>(out _) || IsIntegral(v) ? "integer" : "number",
            _ => "null",
        },
        _ => "unknown",
    };

    private static bool IsIntegral(JsonValue value) => value.TryGetValue<decimal>(out var d) && d == decimal.Truncate(d) && !value.ToJsonString().Contains('.', StringComparison.Ordinal);

    /// <summary>Renders a value as Go's %#v would in field errors: quoted strings, bare numbers, "object"/"array" otherwise.</summary>
    internal static string Render(JsonNode? node) => node switch
    {
        null => "\"null\"",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonSerializer.Serialize(v.GetValue<string>()),
        _ => node.ToJsonString(),
    };

    private Regex PatternFor(string pattern)
    {
        lock (_patterns)
        {
            if (!_patterns.TryGetValue(pattern, out var regex))
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                _patterns[pattern] = regex;
            }

            return regex;
        }
    }

    private static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsTrue(JsonObject schema, string key) => schema[key] is JsonValue v && v.GetValueKind() == JsonValueKind.True;
}
