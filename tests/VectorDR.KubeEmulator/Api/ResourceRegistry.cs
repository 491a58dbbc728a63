using System.Collections.Immutable;

namespace VectorDR.KubeEmulator.Api;

/// <summary>
/// The set of served resources: built-ins plus those registered by CRDs. Copy-on-write so discovery and request routing
/// read a consistent snapshot without taking the store's lock.
/// </summary>
internal sealed class ResourceRegistry
{
    private readonly object _gate = new();
    private ImmutableList<ResourceType> _builtIns;
    private ImmutableDictionary<string, ImmutableList<ResourceType>> _byCrd = ImmutableDictionary<string, ImmutableList<ResourceType>>.Empty;
    private volatile Snapshot _snapshot;
    private long _generation;

    public ResourceRegistry(IEnumerable<ResourceType> builtIns)
    {
        _builtIns = [.. builtIns];
        _snapshot = Build();
    }

    /// <summary>Bumped on every change: caches of discovery/OpenAPI documents key on it.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public IReadOnlyList<ResourceType> All => _snapshot.All;

    public IReadOnlyList<ResourceType> CustomTypes => _snapshot.All.Where(t => t.IsCustom).ToList();

    public ResourceType? Find(string group, string version, string resource) =>
        _snapshot.ByPath.TryGetValue((group, version, resource), out var type) ? type : null;

    /// <summary>Any served version of a group/resource (used where the version does not matter, e.g. GC lookups).</summary>
    public ResourceType? FindAnyVersion(GroupResource groupResource) =>
        _snapshot.All.FirstOrDefault(t => t.GroupResource == groupResource);

    public IEnumerable<(string Group, IReadOnlyList<string> Versions)> Groups() =>
        _snapshot.All.Where(t => t.Group.Length > 0)
            .GroupBy(t => t.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(t => t.Version).Distinct().OrderByDescending(VersionPriority.Key).ToList()));

    public IReadOnlyList<ResourceType> InGroupVersion(string group, string version) =>
        _snapshot.All.Where(t => t.Group == group && t.Version == version).ToList();

    public void SetCustomResources(string crdName, IReadOnlyList<ResourceType> types)
    {
        lock (_gate)
        {
            _byCrd = types.Count == 0 ? _byCrd.Remove(crdName) : _byCrd.SetItem(crdName, [.. types]);
            _snapshot = Build();
            Interlocked.Increment(ref _generation);
        }
    }

    private Snapshot Build()
    {
        var all = _builtIns.AddRange(_byCrd.Values.SelectMany(v => v));
        var byPath = new Dictionary<(string, string, string), ResourceType>();
        foreach (var type in all)
        {
            byPath[(type.Group, type.Version, type.Resource)] = type;
        }

        return new Snapshot(all, byPath);
    }

    private sealed record Snapshot(ImmutableList<ResourceType> All, Dictionary<(string, string, string), ResourceType> ByPath);
}

/// <summary>Kubernetes version priority (v1 > v1beta2 > v1beta1 > v1alpha1 > others), used to pick preferred versions.</summary>
internal static class VersionPriority
{
    public static (int, int, int, string) Key(string version)
    {
        var match = System.Text.RegularExpressions.Regex.Match(version, "^v(\\d+)(?:(alpha|beta)(\\d+))?$");
        if (!match.Success)
        {
            return (0, 0, 0, version);
        }

        var major = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stability = match.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (stability, major, minor, "");
    }
}
