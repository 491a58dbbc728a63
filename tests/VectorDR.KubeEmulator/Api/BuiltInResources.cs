namespace VectorDR.KubeEmulator.Api;

/// <summary>The built-in resources the emulator serves (the subset an operator of this kind touches).</summary>
internal static class BuiltInResources
{
    public static IEnumerable<ResourceType> All()
    {
        yield return new ResourceType
        {
            Group = "", Version = "v1", Resource = "namespaces", Kind = "Namespace", Singular = "namespace", Namespaced = false,
            ShortNames = ["ns"], HasStatusSubresource = true,
        };
        yield return Core("secrets", "Secret", "secret", []);
        yield return Core("configmaps", "ConfigMap", "configmap", ["cm"]);
        yield return new ResourceType
        {
            Group = "", Version = "v1", Resource = "services", Kind = "Service", Singular = "service", Namespaced = true,
            ShortNames = ["svc"], Categories = ["all"], HasStatusSubresource = true,
        };
        yield return Core("events", "Event", "event", ["ev"]);
        yield return new ResourceType
        {
            Group = "", Version = "v1", Resource = "pods", Kind = "Pod", Singular = "pod", Namespaced = true,
            ShortNames = ["po"], Categories = ["all"], HasStatusSubresource = true, DeleteReturnsObject = true,
        };
        yield return Core("serviceaccounts", "ServiceAccount", "serviceaccount", ["sa"]);
        yield return new ResourceType
        {
            Group = "", Version = "v1", Resource = "persistentvolumeclaims", Kind = "PersistentVolumeClaim", Singular = "persistentvolumeclaim",
            Namespaced = true, ShortNames = ["pvc"], HasStatusSubresource = true,
        };
        yield return new ResourceType
        {
            Group = "batch", Version = "v1", Resource = "jobs", Kind = "Job", Singular = "job", Namespaced = true,
            Categories = ["all"], HasStatusSubresource = true, TracksGeneration = true, DefaultPropagation = Propagation.Orphan,
        };
        yield return new ResourceType
        {
            Group = "coordination.k8s.io", Version = "v1", Resource = "leases", Kind = "Lease", Singular = "lease", Namespaced = true,
        };
        yield return new ResourceType
        {
            Group = "events.k8s.io", Version = "v1", Resource = "events", Kind = "Event", Singular = "event", Namespaced = true,
            ShortNames = ["ev"],
        };
        yield return new ResourceType
        {
            Group = "apiextensions.k8s.io", Version = "v1", Resource = "customresourcedefinitions", Kind = "CustomResourceDefinition",
            Singular = "customresourcedefinition", Namespaced = false, ShortNames = ["crd", "crds"], Categories = ["api-extensions"],
            HasStatusSubresource = true, TracksGeneration = true, DeleteReturnsObject = true,
        };
    }

    private static ResourceType Core(string resource, string kind, string singular, IReadOnlyList<string> shortNames) => new()
    {
        Group = "", Version = "v1", Resource = resource, Kind = kind, Singular = singular, Namespaced = true, ShortNames = shortNames,
    };
}
