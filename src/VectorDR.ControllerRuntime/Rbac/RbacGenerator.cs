using System.Reflection;
using k8s.Models;
using VectorDR.ControllerRuntime.Entities;

namespace VectorDR.ControllerRuntime.Rbac;

/// <summary>Merges the RBAC attributes of controllers (and the runtime's own needs) into one ClusterRole.</summary>
public static class RbacGenerator
{
    public static V1ClusterRole Generate(string roleName, IEnumerable<Type> annotatedTypes)
    {
        // (group, resource) -> verbs
        var grants = new SortedDictionary<(string Group, string Resource), RbacVerb>();
        void Grant(string group, string resource, RbacVerb verbs) =>
            grants[(group, resource)] = grants.GetValueOrDefault((group, resource)) | verbs;

        foreach (var type in annotatedTypes)
        {
            foreach (var attr in type.GetCustomAttributes<EntityRbacAttribute>())
            {
                foreach (var entity in attr.Entities)
                {
                    var meta = EntityMetadata.For(entity);
                    Grant(meta.Group, meta.Plural, attr.Verbs);
                    // Custom resources with a status subresource are written through /status; finalizer edits go through
                    // /finalizers when OwnerReferencesPermissionEnforcement is on.
                    if (typeof(CustomKubernetesEntity).IsAssignableFrom(entity))
                    {
                        if (entity.GetProperty("Status") is not null) Grant(meta.Group, meta.Plural + "/status", RbacVerb.Get | RbacVerb.Update | RbacVerb.Patch);
                        Grant(meta.Group, meta.Plural + "/finalizers", RbacVerb.Update);
                    }
                }
            }
            foreach (var attr in type.GetCustomAttributes<GenericRbacAttribute>())
                foreach (var group in attr.Groups)
                    foreach (var resource in attr.Resources)
                        Grant(group, resource, attr.Verbs);
        }

        // What the runtime itself always does: events, leader-election lease.
        Grant("", "events", RbacVerb.Create | RbacVerb.Patch | RbacVerb.Get);
        Grant("coordination.k8s.io", "leases", RbacVerb.Get | RbacVerb.Create | RbacVerb.Update);

        var rules = grants
            .GroupBy(g => (g.Key.Group, g.Value))
            .Select(g => new V1PolicyRule
            {
                ApiGroups = [g.Key.Group],
                Resources = g.Select(x => x.Key.Resource).ToList(),
                Verbs = Verbs(g.Key.Value),
            })
            .OrderBy(r => r.ApiGroups[0], StringComparer.Ordinal)
            .ThenBy(r => r.Resources[0], StringComparer.Ordinal)
            .ToList();

        return new V1ClusterRole
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "ClusterRole",
            Metadata = new V1ObjectMeta { Name = roleName },
            Rules = rules,
        };
    }

    private static List<string> Verbs(RbacVerb verbs) =>
        Enum.GetValues<RbacVerb>()
            .Where(v => v is not (RbacVerb.None or RbacVerb.Read or RbacVerb.All) && verbs.HasFlag(v))
            .Select(v => v.ToString().ToLowerInvariant())
            .ToList();
}
