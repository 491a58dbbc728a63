using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace VectorDR.KubeEmulator.Tests;

/// <summary>HTTPS + token, discovery, and built-in CRUD semantics through KubernetesClient.</summary>
public sealed class CoreApiTests : EmulatorTestBase
{
    [Fact]
    public async Task Requests_without_the_bearer_token_get_401_Status()
    {
        using var anonymous = CreateHttpClient(Host, token: null);
        var response = await anonymous.GetAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Unauthorized", status["reason"]!.GetValue<string>());

        using var wrong = CreateHttpClient(Host, token: "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/version")).StatusCode);
    }

    [Fact]
    public async Task Serves_https_only_with_a_certificate_for_127_0_0_1_signed_by_its_CA()
    {
        Assert.Equal("https", Host.BaseAddress.Scheme);
        Assert.Equal("127.0.0.1", Host.BaseAddress.Host);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", Host.CaCertificatePem, StringComparison.Ordinal);
        var version = await Client.Version.GetCodeAsync();
        Assert.Equal("1", version.Major);
    }

    [Fact]
    public async Task Kubeconfig_written_by_the_host_works_with_KubernetesClient()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kemu-{Guid.NewGuid():N}", "config");
        Host.WriteKubeconfig(path);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        Assert.Equal("default", config.Namespace);
        using var client = new Kubernetes(config);
        var namespaces = await client.CoreV1.ListNamespaceAsync();
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public async Task Discovery_lists_built_in_groups_with_verbs_and_short_names()
    {
        var core = await Client.CoreV1.GetAPIResourcesAsync();
        var configMaps = Assert.Single(core.Resources, r => r.Name == "configmaps");
        Assert.Contains("watch", configMaps.Verbs);
        Assert.Contains("cm", configMaps.ShortNames);
        Assert.True(configMaps.Namespaced);
        Assert.Contains(core.Resources, r => r.Name == "pods/status");

        var (status, groups) = await SendAsync(HttpMethod.Get, "/apis");
        Assert.Equal(200, status);
        var names = groups["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("batch", names);
        Assert.Contains("coordination.k8s.io", names);
        Assert.Contains("apiextensions.k8s.io", names);
        Assert.Contains("events.k8s.io", names);
    }

    [Fact]
    public async Task Create_get_list_update_delete_a_configmap_with_monotonic_resource_versions()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings", Labels = new Dictionary<string, string> { ["app"] = "x" } }, Data = new Dictionary<string, string> { ["a"] = "1" } },
            "default");
        Assert.NotNull(created.Metadata.Uid);
        Assert.NotNull(created.Metadata.CreationTimestamp);
        var firstVersion = long.Parse(created.Metadata.ResourceVersion);

        created.Data["a"] = "2";
        var updated = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "settings", "default");
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > firstVersion);
        Assert.Equal(created.Metadata.Uid, updated.Metadata.Uid);

        var list = await Client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal("2", Assert.Single(list.Items).Data["a"]);
        Assert.True(long.Parse(list.Metadata.ResourceVersion) >= long.Parse(updated.Metadata.ResourceVersion));

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("settings", "default");
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("configmaps \\\"settings\\\" not found", missing.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_with_a_stale_resource_version_is_a_409_Conflict()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "race" }, Data = new Dictionary<string, string> { ["v"] = "0" } }, "default");
        var stale = created.Metadata.ResourceVersion;
        created.Data["v"] = "1";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "race", "default");

        created.Data["v"] = "2";
        created.Metadata.ResourceVersion = stale;
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "race", "default"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        var status = JsonNode.Parse(conflict.Response.Content)!;
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal("Operation cannot be fulfilled on configmaps \"race\": the object has been modified; please apply your changes to the latest version and try again", status["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_twice_is_409_AlreadyExists_and_missing_namespace_is_404()
    {
        var secret = new V1Secret { Metadata = new V1ObjectMeta { Name = "creds" }, StringData = new Dictionary<string, string> { ["user"] = "admin" } };
        var created = await Client.CoreV1.CreateNamespacedSecretAsync(secret, "default");
        Assert.Equal("admin", Encoding.UTF8.GetString(created.Data["user"]));
        Assert.Null(created.StringData);
        Assert.Equal("Opaque", created.Type);

        var again = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedSecretAsync(secret, "default"));
        Assert.Equal(HttpStatusCode.Conflict, again.Response.StatusCode);
        Assert.Equal("AlreadyExists", JsonNode.Parse(again.Response.Content)!["reason"]!.GetValue<string>());

        var noNamespace = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedSecretAsync(secret, "nope"));
        Assert.Equal(HttpStatusCode.NotFound, noNamespace.Response.StatusCode);
        Assert.Contains("namespaces \\\"nope\\\" not found", noNamespace.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateName_assigns_a_unique_name_and_invalid_names_are_422()
    {
        var first = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, "default");
        var second = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, "default");
        Assert.StartsWith("gen-", first.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(9, first.Metadata.Name.Length);
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);

        var invalid = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "Bad_Name" } }, "default"));
        Assert.Equal((HttpStatusCode)422, invalid.Response.StatusCode);
        Assert.Contains("metadata.name: Invalid value: \\\"Bad_Name\\\"", invalid.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_fields_of_built_in_kinds_are_dropped_or_rejected_under_strict_validation()
    {
        var secret = JsonNode.Parse("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"typo"},"stringDat":{"a":"b"},"data":{"x":"eA=="}}""");
        var (strict, error) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/secrets?fieldValidation=Strict", secret);
        Assert.Equal(400, strict);
        Assert.Equal("strict decoding error: unknown field \"stringDat\"", error["message"]!.GetValue<string>());

        var (created, body) = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/secrets", secret);
        Assert.Equal(201, created);
        Assert.Null(body["stringDat"]);
        Assert.Equal("eA==", body["data"]!["x"]!.GetValue<string>());
    }

    [Fact]
    public async Task Leases_and_jobs_are_served_with_job_defaults_and_validation()
    {
        var lease = await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "leader" }, Spec = new V1LeaseSpec { HolderIdentity = "pod-1", LeaseDurationSeconds = 15 } }, "default");
        Assert.Equal("pod-1", lease.Spec.HolderIdentity);

        var job = await Client.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "backup" },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "main", Image = "vectordr" }] } } },
        }, "default");
        Assert.Equal(6, job.Spec.BackoffLimit);
        Assert.Equal(1, job.Metadata.Generation);
        Assert.Equal("backup", job.Spec.Template.Metadata.Labels["job-name"]);

        var invalid = await Assert.ThrowsAsync<HttpOperationException>(() => Client.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "bad" },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Always", Containers = [new V1Container { Name = "main", Image = "x" }] } } },
        }, "default"));
        Assert.Equal((HttpStatusCode)422, invalid.Response.StatusCode);
        Assert.Contains("spec.template.spec.restartPolicy: Unsupported value", invalid.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        foreach (var (name, tier, env) in new[] { ("a", "web", "prod"), ("b", "web", "dev"), ("c", "db", "prod"), ("d", "cache", "") })
        {
            var labels = new Dictionary<string, string> { ["tier"] = tier };
            if (env.Length > 0)
            {
                labels["env"] = env;
            }

            await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = labels } }, "default");
        }

        async Task<string> Names(string? labelSelector, string? fieldSelector = null) =>
            string.Join(",", (await Client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: labelSelector, fieldSelector: fieldSelector)).Items.Select(i => i.Metadata.Name));

        Assert.Equal("a,b", await Names("tier=web"));
        Assert.Equal("a", await Names("tier==web,env=prod"));
        Assert.Equal("b,d", await Names("env!=prod"));
        Assert.Equal("a,c", await Names("tier in (web, db),env=prod"));
        Assert.Equal("d", await Names("tier notin (web,db)"));
        Assert.Equal("a,b,c", await Names("env"));
        Assert.Equal("d", await Names("!env"));
        Assert.Equal("c", await Names(null, "metadata.name=c"));
        Assert.Equal("a,b,d", await Names(null, "metadata.name!=c"));
        Assert.Equal("a,b,c,d", await Names(null, "metadata.namespace=default"));

        var unsupported = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "data.x=1"));
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.Response.StatusCode);
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue_and_span_all_namespaces()
    {
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "other" } });
        for (var i = 0; i < 5; i++)
        {
            await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = $"sa-{i}" } }, i % 2 == 0 ? "default" : "other");
        }

        var page = await Client.CoreV1.ListNamespacedServiceAccountAsync("default", limit: 2);
        Assert.Equal(2, page.Items.Count);
        Assert.NotNull(page.Metadata.ContinueProperty);
        var rest = await Client.CoreV1.ListNamespacedServiceAccountAsync("default", limit: 2, continueParameter: page.Metadata.ContinueProperty);
        Assert.Equal(["sa-4"], rest.Items.Select(i => i.Metadata.Name));
        Assert.Null(rest.Metadata.ContinueProperty);

        var all = await Client.CoreV1.ListServiceAccountForAllNamespacesAsync();
        Assert.Equal(5, all.Items.Count);
    }

    [Fact]
    public async Task Namespace_deletion_terminates_then_removes_its_content()
    {
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "doomed" } });
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["test/hold"] } }, "doomed");
        await Client.CoreV1.DeleteNamespaceAsync("doomed");

        var terminating = await Client.CoreV1.ReadNamespaceAsync("doomed");
        Assert.Equal("Terminating", terminating.Status.Phase);
        Assert.NotNull((await Client.CoreV1.ReadNamespacedConfigMapAsync("held", "doomed")).Metadata.DeletionTimestamp);
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "late" } }, "doomed"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held", "doomed");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespaceAsync("doomed"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }
}
