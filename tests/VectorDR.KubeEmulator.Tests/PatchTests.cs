using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using VectorDR.KubeEmulator.Patching;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>Merge patch, JSON patch and strategic merge patch, through the API and on their own.</summary>
public sealed class PatchTests : EmulatorTestBase
{
    [Fact]
    public async Task Json_patch_applies_operations_and_a_failed_test_is_rejected()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "jp" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "default");
        var patched = await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""
            [{"op":"test","path":"/data/a","value":"1"},{"op":"replace","path":"/data/a","value":"2"},{"op":"add","path":"/data/b","value":"3"},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]
            """, V1Patch.PatchType.JsonPatch), "jp", "default");
        Assert.Equal("2", patched.Data["a"]);
        Assert.Equal("3", patched.Data["b"]);
        Assert.Equal("y", patched.Metadata.Labels["x"]);

        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/jp",
            JsonNode.Parse("""[{"op":"test","path":"/data/a","value":"nope"}]"""), "application/json-patch+json");
        Assert.Equal(422, status);
    }

    [Fact]
    public async Task Merge_patch_with_a_stale_resource_version_conflicts()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "mp" } }, "default");
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"x":"1"}}""", V1Patch.PatchType.MergePatch), "mp", "default");
        var (status, _) = await SendAsync(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/mp",
            new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = created.Metadata.ResourceVersion }, ["data"] = new JsonObject { ["x"] = "2" } }, "application/merge-patch+json");
        Assert.Equal(409, status);
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_lists_by_their_merge_keys()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container { Name = "a", Image = "a:1", Env = [new V1EnvVar { Name = "X", Value = "1" }, new V1EnvVar { Name = "Y", Value = "1" }] },
                    new V1Container { Name = "b", Image = "b:1" },
                ],
            },
        }, "default");
        var patched = await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""
            {"spec":{"containers":[{"name":"a","image":"a:2","env":[{"name":"Y","value":"2"},{"name":"X","$patch":"delete"}]}]}}
            """, V1Patch.PatchType.StrategicMergePatch), "p", "default");
        Assert.Equal(["a", "b"], patched.Spec.Containers.Select(c => c.Name));
        Assert.Equal("a:2", patched.Spec.Containers[0].Image);
        Assert.Equal("b:1", patched.Spec.Containers[1].Image);
        Assert.Equal("Y=2", string.Join(",", patched.Spec.Containers[0].Env.Select(e => $"{e.Name}={e.Value}")));
    }

    [Fact]
    public async Task Strategic_merge_patch_is_unsupported_for_custom_resources()
    {
        await CreateWidgetCrdAsync();
        await CreateWidgetAsync("smp", new JsonObject { ["size"] = 1 });
        var (status, body) = await SendAsync(HttpMethod.Patch, $"{Widgets}/smp", JsonNode.Parse("""{"spec":{"size":2}}"""), "application/strategic-merge-patch+json");
        Assert.Equal(415, status);
        Assert.Equal("UnsupportedMediaType", body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Apply_patch_creates_then_merges_as_an_approximation_of_server_side_apply()
    {
        var path = "/api/v1/namespaces/default/configmaps/ssa";
        var (missingManager, _) = await SendAsync(HttpMethod.Patch, path, JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}"""), "application/apply-patch+yaml");
        Assert.Equal(422, missingManager);

        var (created, body) = await SendAsync(HttpMethod.Patch, path + "?fieldManager=test", JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"a":"1"}}"""), "application/apply-patch+yaml");
        Assert.Equal(201, created);
        Assert.Equal("1", body["data"]!["a"]!.GetValue<string>());

        var (updated, merged) = await SendAsync(HttpMethod.Patch, path + "?fieldManager=test", JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"b":"2"}}"""), "application/apply-patch+yaml");
        Assert.Equal(200, updated);
        Assert.Equal("1", merged["data"]!["a"]!.GetValue<string>());
        Assert.Equal("2", merged["data"]!["b"]!.GetValue<string>());
    }

    [Fact]
    public void Strategic_merge_patch_without_patch_metadata_replaces_lists_and_honours_directives()
    {
        var original = JsonNode.Parse("""{"a":{"b":1,"c":2},"list":[1,2],"keep":{"x":1,"y":2}}""");
        var patch = JsonNode.Parse("""{"a":{"c":null,"d":3},"list":[3],"keep":{"$retainKeys":["x"],"x":5},"whole":{"$patch":"replace","z":1}}""");
        var result = StrategicMergePatch.Apply(original, patch, meta: null)!;
        Assert.Equal("""{"a":{"b":1,"d":3},"list":[3],"keep":{"x":5},"whole":{"z":1}}""", result.ToJsonString());
    }

    [Fact]
    public void Json_merge_patch_follows_RFC_7386()
    {
        var result = JsonMergePatch.Apply(JsonNode.Parse("""{"a":"b","c":{"d":"e","f":"g"}}"""), JsonNode.Parse("""{"a":"z","c":{"f":null}}"""));
        Assert.Equal("""{"a":"z","c":{"d":"e"}}""", result!.ToJsonString());
    }
}
