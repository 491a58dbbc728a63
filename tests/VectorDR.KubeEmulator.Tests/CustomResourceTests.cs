using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>CRD registration, generation, the status subresource, and structural schema validation/defaulting/pruning.</summary>
public sealed class CustomResourceTests : EmulatorTestBase
{
    [Fact]
    public async Task A_CRD_is_Established_and_its_kind_appears_in_discovery_until_deleted()
    {
        await CreateWidgetCrdAsync();
        var crd = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.test.vectordr.io");
        Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");

        var (_, resources) = await SendAsync(HttpMethod.Get, "/apis/test.vectordr.io/v1alpha1");
        var widgets = resources["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "widgets")!;
        Assert.Equal("Widget", widgets["kind"]!.GetValue<string>());
        Assert.Equal("widget", widgets["singularName"]!.GetValue<string>());
        Assert.Equal("wd", widgets["shortNames"]![0]!.GetValue<string>());
        Assert.Equal("all", widgets["categories"]![0]!.GetValue<string>());
        Assert.Contains(resources["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "widgets/status");

        await CreateWidgetAsync("w", new JsonObject { ["size"] = 1 });
        await Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("widgets.test.vectordr.io");
        var (status, _) = await SendAsync(HttpMethod.Get, "/apis/test.vectordr.io/v1alpha1");
        Assert.Equal(404, status);
        var (groupsStatus, groups) = await SendAsync(HttpMethod.Get, "/apis");
        Assert.Equal(200, groupsStatus);
        Assert.DoesNotContain(groups["groups"]!.AsArray(), g => g!["name"]!.GetValue<string>() == "test.vectordr.io");
    }

    [Fact]
    public async Task Generation_starts_at_1_and_moves_only_on_spec_changes()
    {
        await CreateWidgetCrdAsync();
        var created = await CreateWidgetAsync("gen", new JsonObject { ["size"] = 1 });
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<long>());

        var labelled = await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"labels":{"x":"y"}}}""", V1Patch.PatchType.MergePatch), "test.vectordr.io", "v1alpha1", "default", "widgets", "gen");
        Assert.Equal(1, ((JsonElement)labelled).GetProperty("metadata").GetProperty("generation").GetInt64());

        var resized = await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"size":2}}""", V1Patch.PatchType.MergePatch), "test.vectordr.io", "v1alpha1", "default", "widgets", "gen");
        Assert.Equal(2, ((JsonElement)resized).GetProperty("metadata").GetProperty("generation").GetInt64());

        var statusWrite = await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Ready","observedGeneration":2}}""", V1Patch.PatchType.MergePatch), "test.vectordr.io", "v1alpha1", "default", "widgets", "gen");
        Assert.Equal(2, ((JsonElement)statusWrite).GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal("Ready", ((JsonElement)statusWrite).GetProperty("status").GetProperty("phase").GetString());
    }

    [Fact]
    public async Task Status_subresource_separates_status_from_spec_writes()
    {
        await CreateWidgetCrdAsync();
        var withStatus = Widget("st", new JsonObject { ["size"] = 1 });
        withStatus["status"] = new JsonObject { ["phase"] = "Ignored" };
        var (_, created) = await SendAsync(HttpMethod.Post, Widgets, withStatus);
        Assert.Null(created["status"]);

        // A status write ignores spec and metadata changes.
        var statusBody = created.DeepClone().AsObject();
        statusBody["spec"]!["size"] = 99;
        statusBody["metadata"]!["labels"] = new JsonObject { ["sneaky"] = "yes" };
        statusBody["status"] = new JsonObject { ["phase"] = "Running" };
        var (statusCode, afterStatus) = await SendAsync(HttpMethod.Put, $"{Widgets}/st/status", statusBody);
        Assert.Equal(200, statusCode);
        Assert.Equal(1, afterStatus["spec"]!["size"]!.GetValue<long>());
        Assert.Null(afterStatus["metadata"]!["labels"]);
        Assert.Equal("Running", afterStatus["status"]!["phase"]!.GetValue<string>());

        // A main-resource write ignores status changes.
        var mainBody = afterStatus.DeepClone().AsObject();
        mainBody["spec"]!["size"] = 2;
        mainBody["status"] = new JsonObject { ["phase"] = "Hacked" };
        var (_, afterMain) = await SendAsync(HttpMethod.Put, $"{Widgets}/st", mainBody);
        Assert.Equal(2, afterMain["spec"]!["size"]!.GetValue<long>());
        Assert.Equal("Running", afterMain["status"]!["phase"]!.GetValue<string>());

        // Stale resourceVersion on the status subresource is a conflict too.
        var (conflict, _) = await SendAsync(HttpMethod.Put, $"{Widgets}/st/status", statusBody);
        Assert.Equal(409, conflict);
    }

    [Fact]
    public async Task Invalid_custom_resources_are_422_with_field_named_messages_and_causes()
    {
        await CreateWidgetCrdAsync();
        var (status, body) = await SendAsync(HttpMethod.Post, Widgets, Widget("x", new JsonObject { ["size"] = 1, ["retention"] = new JsonObject { ["keepLast"] = -1 } }));
        Assert.Equal(422, status);
        Assert.Equal("Invalid", body["reason"]!.GetValue<string>());
        Assert.Equal("Widget.test.vectordr.io \"x\" is invalid: spec.retention.keepLast: Invalid value: -1: spec.retention.keepLast in body should be greater than or equal to 0",
            body["message"]!.GetValue<string>());
        var cause = body["details"]!["causes"]![0]!;
        Assert.Equal("spec.retention.keepLast", cause["field"]!.GetValue<string>());
        Assert.Equal("FieldValueInvalid", cause["reason"]!.GetValue<string>());
        Assert.Equal("Widget", body["details"]!["kind"]!.GetValue<string>());
        Assert.Equal("test.vectordr.io", body["details"]!["group"]!.GetValue<string>());

        var (_, many) = await SendAsync(HttpMethod.Post, Widgets, Widget("y", new JsonObject
        {
            ["mode"] = "Medium",
            ["name"] = "Bad_Name",
            ["tags"] = new JsonArray("a", "b", "c", "d"),
            ["port"] = true,
            ["labels"] = new JsonObject { ["k"] = 1 },
        }));
        var message = many["message"]!.GetValue<string>();
        Assert.StartsWith("Widget.test.vectordr.io \"y\" is invalid: [", message, StringComparison.Ordinal);
        Assert.Contains("spec.size: Required value", message, StringComparison.Ordinal);
        Assert.Contains("spec.mode: Unsupported value: \"Medium\": supported values: \"Fast\", \"Slow\"", message, StringComparison.Ordinal);
        Assert.Contains("spec.name: Invalid value: \"Bad_Name\": spec.name in body should match '^[a-z][a-z0-9-]*$'", message, StringComparison.Ordinal);
        Assert.Contains("spec.tags: Too many: 4: must have at most 3 items", message, StringComparison.Ordinal);
        Assert.Contains("spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"", message, StringComparison.Ordinal);
        Assert.Contains("spec.labels.k: Invalid value: \"integer\": spec.labels.k in body must be of type string: \"integer\"", message, StringComparison.Ordinal);
        Assert.Equal(6, many["details"]!["causes"]!.AsArray().Count);
    }

    [Fact]
    public async Task Defaults_are_applied_and_unknown_fields_pruned_unless_preserved()
    {
        await CreateWidgetCrdAsync();
        var created = await CreateWidgetAsync("d", new JsonObject
        {
            ["size"] = 1,
            ["port"] = "http",
            ["bogus"] = "dropped",
            ["mode"] = null,
            ["extra"] = new JsonObject { ["anything"] = new JsonObject { ["goes"] = 1 } },
        });
        var spec = created["spec"]!;
        Assert.Equal("Fast", spec["mode"]!.GetValue<string>());
        Assert.Equal(7, spec["retention"]!["keepLast"]!.GetValue<long>());
        Assert.Null(spec["bogus"]);
        Assert.Equal(1, spec["extra"]!["anything"]!["goes"]!.GetValue<long>());
        Assert.Equal("http", spec["port"]!.GetValue<string>());

        var (strict, body) = await SendAsync(HttpMethod.Post, Widgets + "?fieldValidation=Strict", Widget("s", new JsonObject { ["size"] = 1, ["bogus"] = 1 }));
        Assert.Equal(400, strict);
        Assert.Equal("strict decoding error: unknown field \"spec.bogus\"", body["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task CEL_rules_are_enforced_including_transition_rules()
    {
        await CreateWidgetCrdAsync();
        var (both, body) = await SendAsync(HttpMethod.Post, Widgets, Widget("c", new JsonObject { ["size"] = 1, ["source"] = "a", ["url"] = "b" }));
        Assert.Equal(422, both);
        Assert.Contains("spec: Invalid value: \"object\": source and url are mutually exclusive", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        await CreateWidgetAsync("c", new JsonObject { ["size"] = 1, ["bucket"] = "one" });
        var (immutable, error) = await SendAsync(HttpMethod.Patch, $"{Widgets}/c", new JsonObject { ["spec"] = new JsonObject { ["bucket"] = "two" } }, "application/merge-patch+json");
        Assert.Equal(422, immutable);
        Assert.Contains("spec.bucket: Invalid value: \"two\": bucket is immutable", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Custom_resources_can_be_listed_across_namespaces_and_watched_with_KubernetesClient()
    {
        await CreateWidgetCrdAsync();
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-b" } });
        await CreateWidgetAsync("a", new JsonObject { ["size"] = 1 });
        await SendAsync(HttpMethod.Post, "/apis/test.vectordr.io/v1alpha1/namespaces/team-b/widgets", Widget("b", new JsonObject { ["size"] = 2 }));

        var all = (JsonElement)await Client.CustomObjects.ListClusterCustomObjectAsync("test.vectordr.io", "v1alpha1", "widgets");
        Assert.Equal(2, all.GetProperty("items").GetArrayLength());
        Assert.Equal("WidgetList", all.GetProperty("kind").GetString());

        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Widget("z", new JsonObject { ["size"] = 1000 }), "test.vectordr.io", "v1alpha1", "default", "widgets"));
        Assert.Equal((HttpStatusCode)422, bad.Response.StatusCode);
    }

    [Fact]
    public async Task Cluster_scoped_CRDs_serve_cluster_scoped_resources()
    {
        var crd = JsonNode.Parse("""
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"regions.test.vectordr.io"},
         "spec":{"group":"test.vectordr.io","scope":"Cluster","names":{"plural":"regions","singular":"region","kind":"Region"},
          "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}}
        """)!;
        var (crdStatus, _) = await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.Equal(201, crdStatus);
        var (status, region) = await SendAsync(HttpMethod.Post, "/apis/test.vectordr.io/v1/regions", JsonNode.Parse("""{"apiVersion":"test.vectordr.io/v1","kind":"Region","metadata":{"name":"eu"},"spec":{"x":1}}"""));
        Assert.Equal(201, status);
        Assert.Null(region["metadata"]!["namespace"]);
        Assert.Equal(1, region["spec"]!["x"]!.GetValue<long>());
        var (namespacedPath, _) = await SendAsync(HttpMethod.Get, "/apis/test.vectordr.io/v1/namespaces/default/regions/eu");
        Assert.Equal(404, namespacedPath);

        var (badCrd, invalid) = await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            JsonNode.Parse("""{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"wrong.test.vectordr.io"},"spec":{"group":"test.vectordr.io","scope":"Cluster","names":{"plural":"things","kind":"Thing"},"versions":[{"name":"v1","served":true,"storage":true}]}}"""));
        Assert.Equal(422, badCrd);
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema: Required value", invalid["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_served_version_of_a_CRD_serves_the_same_objects()
    {
        var crd = JsonNode.Parse("""
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.test.vectordr.io"},
         "spec":{"group":"test.vectordr.io","scope":"Namespaced","names":{"plural":"gadgets","singular":"gadget","kind":"Gadget"},
          "versions":[
            {"name":"v1alpha1","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"n":{"type":"integer"}}}}}}},
            {"name":"v1beta1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"n":{"type":"integer","default":5}}}}}}}]}}
        """)!;
        Assert.Equal(201, (await SendAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Status);
        var (created, _) = await SendAsync(HttpMethod.Post, "/apis/test.vectordr.io/v1alpha1/namespaces/default/gadgets",
            JsonNode.Parse("""{"apiVersion":"test.vectordr.io/v1alpha1","kind":"Gadget","metadata":{"name":"g"},"spec":{}}"""));
        Assert.Equal(201, created);
        var (_, asBeta) = await SendAsync(HttpMethod.Get, "/apis/test.vectordr.io/v1beta1/namespaces/default/gadgets/g");
        Assert.Equal("test.vectordr.io/v1beta1", asBeta["apiVersion"]!.GetValue<string>());
        Assert.Equal(5, asBeta["spec"]!["n"]!.GetValue<long>());
        var (_, group) = await SendAsync(HttpMethod.Get, "/apis/test.vectordr.io");
        Assert.Equal("v1beta1", group["preferredVersion"]!["version"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAPI_v3_serves_a_document_for_each_group_version_including_CRDs()
    {
        await CreateWidgetCrdAsync();
        var (_, index) = await SendAsync(HttpMethod.Get, "/openapi/v3");
        var url = index["paths"]!["apis/test.vectordr.io/v1alpha1"]!["serverRelativeURL"]!.GetValue<string>();
        Assert.Contains("?hash=", url, StringComparison.Ordinal);
        Assert.NotNull(index["paths"]!["api/v1"]);

        var (status, document) = await SendAsync(HttpMethod.Get, url);
        Assert.Equal(200, status);
        var schema = document["components"]!["schemas"]!["io.vectordr.test.v1alpha1.Widget"]!;
        Assert.Equal("Widget", schema["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal("Number of parts in the widget.", schema["properties"]!["spec"]!["properties"]!["size"]!["description"]!.GetValue<string>());
        var patch = document["paths"]!["/apis/test.vectordr.io/v1alpha1/namespaces/{namespace}/widgets/{name}"]!["patch"]!;
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
        Assert.NotNull(document["components"]!["schemas"]!["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
    }
}
