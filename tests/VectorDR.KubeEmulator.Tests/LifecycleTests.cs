using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>Finalizers, deletionTimestamp, and owner-reference garbage collection.</summary>
public sealed class LifecycleTests : EmulatorTestBase
{
    [Fact]
    public async Task Finalizers_keep_a_deleted_object_until_they_are_removed()
    {
        await CreateWidgetCrdAsync();
        var widget = Widget("fin", new JsonObject { ["size"] = 1 });
        widget["metadata"]!["finalizers"] = new JsonArray("test.vectordr.io/cleanup");
        await SendAsync(HttpMethod.Post, Widgets, widget);

        var (deleteStatus, deleting) = await SendAsync(HttpMethod.Delete, $"{Widgets}/fin");
        Assert.Equal(202, deleteStatus);
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);

        var (_, stillThere) = await SendAsync(HttpMethod.Get, $"{Widgets}/fin");
        Assert.NotNull(stillThere["metadata"]!["deletionTimestamp"]);

        // New finalizers cannot be added while deleting.
        var (forbidden, _) = await SendAsync(HttpMethod.Patch, $"{Widgets}/fin",
            JsonNode.Parse("""{"metadata":{"finalizers":["test.vectordr.io/cleanup","another"]}}"""), "application/merge-patch+json");
        Assert.Equal(422, forbidden);

        await using var watch = await WatchStream.OpenAsync(Http, $"/apis/test.vectordr.io/v1alpha1/namespaces/default/widgets?watch=1&resourceVersion={Rv(stillThere)}");
        var (patchStatus, _) = await SendAsync(HttpMethod.Patch, $"{Widgets}/fin", JsonNode.Parse("""{"metadata":{"finalizers":null}}"""), "application/merge-patch+json");
        Assert.Equal(200, patchStatus);
        Assert.Equal(("MODIFIED", "fin"), await watch.NextAsync());
        Assert.Equal(("DELETED", "fin"), await watch.NextAsync());
        var (gone, _) = await SendAsync(HttpMethod.Get, $"{Widgets}/fin");
        Assert.Equal(404, gone);
    }

    [Fact]
    public async Task Background_deletion_collects_dependents_of_a_deleted_owner()
    {
        var owner = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default");
        await CreateDependentAsync("dep-1", owner);
        await CreateDependentAsync("dep-2", owner);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "default", propagationPolicy: "Background");
        await Eventually(async () => (await Client.CoreV1.ListNamespacedSecretAsync("default")).Items.Count == 0, "dependents to be collected");
    }

    [Fact]
    public async Task Foreground_deletion_removes_dependents_before_the_owner()
    {
        var owner = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "fg-owner" } }, "default");
        var dependent = new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = "held-dep",
                Finalizers = ["test/hold"],
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "fg-owner", Uid = owner.Metadata.Uid, BlockOwnerDeletion = true }],
            },
        };
        await Client.CoreV1.CreateNamespacedSecretAsync(dependent, "default");
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("fg-owner", "default", propagationPolicy: "Foreground");

        var waiting = await Client.CoreV1.ReadNamespacedConfigMapAsync("fg-owner", "default");
        Assert.Contains("foregroundDeletion", waiting.Metadata.Finalizers);
        Assert.NotNull((await Client.CoreV1.ReadNamespacedSecretAsync("held-dep", "default")).Metadata.DeletionTimestamp);

        await Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held-dep", "default");
        await Eventually(async () => (await Client.CoreV1.ListNamespacedConfigMapAsync("default")).Items.All(c => c.Metadata.Name != "fg-owner"), "the owner to go");
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_and_strips_their_owner_reference()
    {
        var owner = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "orphan-owner" } }, "default");
        await CreateDependentAsync("survivor", owner);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("orphan-owner", "default", propagationPolicy: "Orphan");
        var survivor = await Client.CoreV1.ReadNamespacedSecretAsync("survivor", "default");
        Assert.Null(survivor.Metadata.OwnerReferences);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedConfigMapAsync("orphan-owner", "default"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_custom_resource_collects_the_jobs_it_owns()
    {
        await CreateWidgetCrdAsync();
        var widget = await CreateWidgetAsync("parent", new JsonObject { ["size"] = 1 });
        await Client.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new V1ObjectMeta
            {
                Name = "parent-backup",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "test.vectordr.io/v1alpha1", Kind = "Widget", Name = "parent", Uid = widget["metadata"]!["uid"]!.GetValue<string>(), Controller = true }],
            },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "i" }] } } },
        }, "default");
        await SendAsync(HttpMethod.Delete, $"{Widgets}/parent");
        await Eventually(async () => (await Client.BatchV1.ListNamespacedJobAsync("default")).Items.Count == 0, "the owned job to be collected");
    }

    [Fact]
    public async Task Delete_preconditions_and_dry_run_are_honoured()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "pre" } }, "default");
        var mismatch = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.DeleteNamespacedConfigMapAsync("pre", "default",
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "not-the-uid" } }));
        Assert.Equal(HttpStatusCode.Conflict, mismatch.Response.StatusCode);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("pre", "default", dryRun: "All");
        Assert.Equal(created.Metadata.Uid, (await Client.CoreV1.ReadNamespacedConfigMapAsync("pre", "default")).Metadata.Uid);
    }

    [Fact]
    public async Task Delete_collection_removes_only_the_selected_objects()
    {
        foreach (var (name, app) in new[] { ("x1", "x"), ("x2", "x"), ("y1", "y") })
        {
            await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = app } } }, "default");
        }

        await Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync("default", labelSelector: "app=x");
        Assert.Equal(["y1"], (await Client.CoreV1.ListNamespacedConfigMapAsync("default")).Items.Select(c => c.Metadata.Name));
    }

    private async Task CreateDependentAsync(string name, V1ConfigMap owner) =>
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid }],
            },
        }, "default");
}
