using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;
using VectorDR.KubeEmulator.Jobs;
using VectorDR.KubeEmulator.Selectors;
using VectorDR.KubeEmulator.Storage;

namespace VectorDR.KubeEmulator;

/// <summary>In-process API over the same registry semantics the HTTP handlers use. Failures throw <see cref="KubeEmulatorException"/>.</summary>
internal sealed class EmulatorCluster(ResourceRegistry registry, ResourceService resources) : IEmulatorCluster
{
    public JsonObject? Get(string apiVersion, string resource, string? ns, string name)
    {
        try
        {
            return Run(() => resources.Get(Type(apiVersion, resource), ns, name)).DeepClone().AsObject();
        }
        catch (KubeEmulatorException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }

    public IReadOnlyList<JsonObject> List(string apiVersion, string resource, string? ns, string? labelSelector = null) =>
        Run(() => resources.List(Type(apiVersion, resource), ns, LabelSelector.Parse(labelSelector), FieldSelector.Everything, null, null))
            .Items.Select(o => o.DeepClone().AsObject()).ToList();

    public JsonObject Create(string apiVersion, string resource, string? ns, JsonObject obj) =>
        Run(() => resources.Create(Type(apiVersion, resource), ns, obj, new WriteOptions())).Body.DeepClone().AsObject();

    public JsonObject Update(string apiVersion, string resource, string? ns, JsonObject obj) =>
        Run(() => resources.Update(Type(apiVersion, resource), ns, Meta.Name(obj) ?? "", obj, false, new WriteOptions())).Body.DeepClone().AsObject();

    public JsonObject UpdateStatus(string apiVersion, string resource, string? ns, JsonObject obj) =>
        Run(() => resources.Update(Type(apiVersion, resource), ns, Meta.Name(obj) ?? "", obj, true, new WriteOptions())).Body.DeepClone().AsObject();

    public JsonObject MergePatch(string apiVersion, string resource, string? ns, string name, JsonObject patch, bool status = false) =>
        Run(() => resources.Patch(Type(apiVersion, resource), ns, name, "application/merge-patch+json", patch, status, new WriteOptions())).Body.DeepClone().AsObject();

    public void Delete(string apiVersion, string resource, string? ns, string name) =>
        Run(() => resources.Delete(Type(apiVersion, resource), ns, name, new DeleteRequest()));

    public void Delete(string apiVersion, string resource, string? ns, string name, string propagationPolicy) =>
        Run(() => resources.Delete(Type(apiVersion, resource), ns, name, new DeleteRequest(propagationPolicy switch
        {
            "Background" => Propagation.Background,
            "Foreground" => Propagation.Foreground,
            "Orphan" => Propagation.Orphan,
            _ => throw new KubeEmulatorException(400, "BadRequest", $"propagationPolicy: Unsupported value: \"{propagationPolicy}\""),
        })));

    private ResourceType Type(string apiVersion, string resource)
    {
        var slash = apiVersion.IndexOf('/');
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return registry.Find(group, version, resource) ?? throw new KubeEmulatorException(404, "NotFound", $"the server doesn't have a resource type \"{resource}\" in {apiVersion}");
    }

    private static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ApiException e)
        {
            throw new KubeEmulatorException(e.Code, e.Reason, e.Message);
        }
    }
}

/// <summary>An API error raised by the in-process <see cref="IEmulatorCluster"/> (same code/reason/message as over HTTP).</summary>
public sealed class KubeEmulatorException(int statusCode, string reason, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Reason { get; } = reason;
}
