using System.Reflection;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.ControllerRuntime.Schema;

/// <summary>Builds a CustomResourceDefinition from an entity type and its attributes.</summary>
public static class CrdGenerator
{
    public static V1CustomResourceDefinition Generate(Type entityType)
    {
        var meta = EntityMetadata.For(entityType);
        var builder = new SchemaBuilder();
        var root = new V1JSONSchemaProps
        {
            Type = "object",
            Description = entityType.GetCustomAttribute<DescriptionAttribute>()?.Description
                ?? throw new InvalidOperationException($"{entityType.Name} needs a [Description]."),
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["apiVersion"] = new() { Type = "string", Description = "APIVersion defines the versioned schema of this representation of an object." },
                ["kind"] = new() { Type = "string", Description = "Kind is a string value representing the REST resource this object represents." },
                ["metadata"] = new() { Type = "object", Description = "Standard object metadata." },
            },
        };

        var specProperty = entityType.GetProperty("Spec");
        var statusProperty = entityType.GetProperty("Status");
        if (specProperty is not null)
        {
            var spec = builder.ForObject(specProperty.PropertyType, ".spec");
            spec.Description = specProperty.PropertyType.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "Desired state.";
            root.Properties["spec"] = spec;
            root.Required = ["spec"];
        }
        if (statusProperty is not null)
        {
            var status = builder.ForObject(statusProperty.PropertyType, ".status");
            status.Description = statusProperty.PropertyType.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "Observed state, written by the operator.";
            root.Properties["status"] = status;
        }
        foreach (var rule in entityType.GetCustomAttributes<ValidationRuleAttribute>())
            (root.XKubernetesValidations ??= []).Add(new V1ValidationRule { Rule = rule.Rule, FieldPath = rule.FieldPath, Message = rule.Message, Reason = rule.Reason });

        if (builder.MissingDescriptions.Count > 0)
            throw new InvalidOperationException($"{entityType.Name}: fields without a [Description]: {string.Join(", ", builder.MissingDescriptions)}");

        var names = new V1CustomResourceDefinitionNames
        {
            Kind = meta.Kind,
            ListKind = meta.Kind + "List",
            Plural = meta.Plural,
            Singular = meta.Kind.ToLowerInvariant(),
            ShortNames = entityType.GetCustomAttribute<KubernetesEntityShortNamesAttribute>()?.ShortNames.ToList(),
            Categories = entityType.GetCustomAttribute<KubernetesEntityCategoriesAttribute>()?.Categories.ToList(),
        };

        var version = new V1CustomResourceDefinitionVersion
        {
            Name = meta.Version,
            Served = true,
            Storage = true,
            Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
            Subresources = statusProperty is null ? null : new V1CustomResourceSubresources { Status = new Dictionary<string, object>() },
            AdditionalPrinterColumns = PrinterColumns(entityType, specProperty, statusProperty),
        };

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = $"{meta.Plural}.{meta.Group}" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = meta.Group,
                Names = names,
                Scope = meta.Namespaced ? "Namespaced" : "Cluster",
                Versions = [version],
            },
        };
    }

    private static List<V1CustomResourceColumnDefinition>? PrinterColumns(Type entityType, PropertyInfo? spec, PropertyInfo? status)
    {
        var columns = entityType.GetCustomAttributes<PrinterColumnAttribute>()
            .OrderBy(c => c.Order)
            .Select(c => Column(c.JsonPath, c.Name, c.Type, c.Description, c.Format, c.Priority))
            .ToList();

        void Walk(Type type, string path, int depth)
        {
            if (depth > 8) return;
            foreach (var p in SchemaBuilder.Properties(type))
            {
                var jsonPath = $"{path}.{SchemaBuilder.JsonName(p)}";
                if (p.GetCustomAttribute<AdditionalPrinterColumnAttribute>() is { } c)
                    columns.Add(Column(jsonPath, c.Name, c.Type, c.Description, c.Format, c.Priority));
                var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
                if (t.IsClass && t != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(t)) Walk(t, jsonPath, depth + 1);
            }
        }

        if (spec is not null) Walk(spec.PropertyType, ".spec", 0);
        if (status is not null) Walk(status.PropertyType, ".status", 0);
        if (entityType.GetCustomAttribute<AgeColumnAttribute>() is not null)
            columns.Add(Column(".metadata.creationTimestamp", "Age", "date", null, null, 0));
        return columns.Count == 0 ? null : columns;
    }

    private static V1CustomResourceColumnDefinition Column(string jsonPath, string name, string type, string? description, string? format, int priority) =>
        new() { JsonPath = jsonPath, Name = name, Type = type, Description = description, Format = format, Priority = priority == 0 ? null : priority };
}
