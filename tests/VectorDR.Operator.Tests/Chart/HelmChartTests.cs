using k8s;
using k8s.Models;
using VectorDR.Operator.Tests.Manifests;

namespace VectorDR.Operator.Tests.Chart;

/// <summary>
/// charts/vectordr-operator, rendered by the real helm: it installs the same operator as config/install (the
/// generated manifests), its switches do what values.yaml says, and bad values are refused by name.
/// </summary>
public sealed class HelmChartTests
{
    private static T Generated<T>(string relative) => KubernetesYaml.Deserialize<T>(File.ReadAllText(Path.Combine(RepoPaths.Root, relative)));

    [Fact]
    public void The_chart_lints_clean_with_defaults_and_with_every_switch_turned()
    {
        foreach (var sets in new[]
                 {
                     Array.Empty<string>(),
                     ["watchNamespaces={search,rag}", "replicaCount=1", "leaderElection.enabled=false", "crds.create=false", "rbac.aggregateToDefaultRoles=false",
                      "metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true", "image.digest=sha256:" + new string('a', 64), "jobs.image=registry.local/vectordr:1", "podDisruptionBudget.enabled=false"],
                 })
        {
            var result = Helm.Run(["lint", "--strict", Helm.ChartFolder, .. Helm.SetArguments(sets)]);
            Assert.True(result.ExitCode == 0, $"helm lint --strict {string.Join(" ", sets)}:\n{result.Output}\n{result.Error}");
        }
    }

    [Fact]
    public void The_chart_and_its_default_image_carry_the_operator_version()
    {
        var version = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props")).Descendants("Version").Single().Value;
        var chart = File.ReadAllLines(Path.Combine(Helm.ChartFolder, "Chart.yaml"));
        Assert.Contains($"version: {version}", chart);
        Assert.Contains($"appVersion: \"{version}\"", chart);
    }

    [Fact]
    public void By_default_the_chart_installs_the_operator_that_config_install_describes()
    {
        // Same release name and namespace as config/install, and its image tag: then the two must agree field by field.
        var chart = Helm.Template("image.tag=latest");
        var fromChart = chart.Single<V1Deployment>("Deployment");
        var generated = Generated<V1Deployment>("config/operator/deployment.yaml");

        Assert.Equal(generated.Metadata.Name, fromChart.Metadata.Name);
        Assert.Equal(generated.Spec.Replicas, fromChart.Spec.Replicas);
        var (pod, expectedPod) = (fromChart.Spec.Template.Spec, generated.Spec.Template.Spec);
        Assert.Equal(expectedPod.ServiceAccountName, pod.ServiceAccountName);
        Assert.Equal(expectedPod.TerminationGracePeriodSeconds, pod.TerminationGracePeriodSeconds);
        AssertSameJson(expectedPod.SecurityContext, pod.SecurityContext);
        var (container, expected) = (Assert.Single(pod.Containers), Assert.Single(expectedPod.Containers));
        Assert.Equal(expected.Image, container.Image);
        Assert.Equal(expected.Command, container.Command);
        AssertSameJson(expected.Ports, container.Ports);
        AssertSameJson(expected.LivenessProbe, container.LivenessProbe);
        AssertSameJson(expected.ReadinessProbe, container.ReadinessProbe);
        AssertSameJson(expected.Resources, container.Resources);
        AssertSameJson(expected.SecurityContext, container.SecurityContext);
        // Every setting config/install gives the operator, the chart gives with the same value (and may add its own).
        foreach (var env in expected.Env)
        {
            AssertSameJson(env, Assert.Single(container.Env, e => e.Name == env.Name));
        }

        Assert.Equal("Information", container.Env.Single(e => e.Name == "Logging__LogLevel__Default").Value);
        Assert.DoesNotContain(container.Env, e => e.Name.StartsWith("Operator__Namespaces__", StringComparison.Ordinal));

        var service = chart.Single<V1Service>("Service");
        Assert.Equal(Generated<V1Service>("config/operator/service.yaml").Metadata.Name, service.Metadata.Name);
        Assert.Equal(fromChart.Spec.Selector.MatchLabels, service.Spec.Selector);
    }

    [Fact]
    public void The_operator_ClusterRole_has_exactly_the_generated_rules_and_is_bound_to_its_service_account()
    {
        var chart = Helm.Defaults;
        var role = chart.Single<V1ClusterRole>("ClusterRole", Helm.ReleaseName);
        AssertSameJson(Generated<V1ClusterRole>("config/rbac/operator_role.yaml").Rules, role.Rules);

        var binding = chart.Single<V1ClusterRoleBinding>("ClusterRoleBinding");
        Assert.Equal(("ClusterRole", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        var subject = Assert.Single(binding.Subjects);
        var account = chart.Single<V1ServiceAccount>("ServiceAccount");
        Assert.Equal(("ServiceAccount", account.Metadata.Name, Helm.ReleaseNamespace), (subject.Kind, subject.Name, subject.NamespaceProperty));
        Assert.Equal(account.Metadata.Name, chart.Single<V1Deployment>("Deployment").Spec.Template.Spec.ServiceAccountName);
    }

    [Fact]
    public void The_CRDs_are_the_generated_ones_and_survive_an_uninstall_unless_told_otherwise()
    {
        var chart = Helm.Defaults;
        var crds = chart.OfKind("CustomResourceDefinition").Select(d => d.As<V1CustomResourceDefinition>()).ToList();
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "crds"), "*.yaml").Order().ToList();
        Assert.Equal(files.Select(Path.GetFileNameWithoutExtension), crds.Select(c => c.Metadata.Name).Order());
        foreach (var crd in crds)
        {
            AssertSameJson(Generated<V1CustomResourceDefinition>($"crds/{crd.Metadata.Name}.yaml").Spec, crd.Spec);
            Assert.Equal("keep", crd.Metadata.Annotations["helm.sh/resource-policy"]);
            Assert.Equal("vectordr", crd.Metadata.Labels["app.kubernetes.io/part-of"]);
        }

        Assert.All(Helm.Template("crds.keep=false").OfKind("CustomResourceDefinition"),
            d => Assert.Null(d.As<V1CustomResourceDefinition>().Metadata.Annotations));
        Assert.Empty(Helm.Template("crds.create=false").OfKind("CustomResourceDefinition"));
    }

    [Fact]
    public void Watching_listed_namespaces_grants_Roles_there_and_in_the_release_namespace_instead_of_a_ClusterRole()
    {
        var chart = Helm.TemplateIn("dr", "watchNamespaces={search,rag}");

        var operatorRules = Generated<V1ClusterRole>("config/rbac/operator_role.yaml").Rules;
        Assert.DoesNotContain(chart.OfKind("ClusterRole"), d => d.Name == Helm.ReleaseName);
        Assert.Empty(chart.OfKind("ClusterRoleBinding"));
        var roles = chart.OfKind("Role").Select(d => d.As<V1Role>()).ToList();
        Assert.Equal(["dr", "rag", "search"], roles.Select(r => r.Metadata.NamespaceProperty).Order());
        Assert.All(roles, r => AssertSameJson(operatorRules, r.Rules));
        var bindings = chart.OfKind("RoleBinding").Select(d => d.As<V1RoleBinding>()).ToList();
        Assert.Equal(["dr", "rag", "search"], bindings.Select(b => b.Metadata.NamespaceProperty).Order());
        Assert.All(bindings, b => Assert.Equal(("ServiceAccount", Helm.ReleaseName, "dr"),
            (b.Subjects.Single().Kind, b.Subjects.Single().Name, b.Subjects.Single().NamespaceProperty)));

        var env = chart.Single<V1Deployment>("Deployment").Spec.Template.Spec.Containers.Single().Env;
        Assert.Equal([("Operator__Namespaces__0", "search"), ("Operator__Namespaces__1", "rag")],
            env.Where(e => e.Name.StartsWith("Operator__Namespaces__", StringComparison.Ordinal)).Select(e => (e.Name, e.Value)));
    }

    [Fact]
    public void Images_pull_policies_and_job_settings_reach_the_operator()
    {
        static Dictionary<string, string> Settings(Helm.RenderedChart chart) =>
            chart.Single<V1Deployment>("Deployment").Spec.Template.Spec.Containers.Single().Env.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value);
        static V1Container Container(Helm.RenderedChart chart) => chart.Single<V1Deployment>("Deployment").Spec.Template.Spec.Containers.Single();

        var defaults = Helm.Defaults;
        var appVersion = File.ReadAllLines(Path.Combine(Helm.ChartFolder, "Chart.yaml")).Single(l => l.StartsWith("appVersion:", StringComparison.Ordinal)).Split('"')[1];
        Assert.Equal($"ghcr.io/vectordr/vectordr:{appVersion}", Container(defaults).Image);
        Assert.Equal($"ghcr.io/vectordr/vectordr:{appVersion}", Settings(defaults)["Operator__JobImage"]);

        var digest = "sha256:" + new string('b', 64);
        var pinned = Helm.Template($"image.digest={digest}", "image.tag=ignored", "image.pullPolicy=Always");
        Assert.Equal($"ghcr.io/vectordr/vectordr@{digest}", Container(pinned).Image);
        Assert.Equal("Always", Container(pinned).ImagePullPolicy);
        Assert.Equal($"ghcr.io/vectordr/vectordr@{digest}", Settings(pinned)["Operator__JobImage"]);

        var jobs = Settings(Helm.Template("jobs.image=registry.local/vectordr:9", "jobs.pullPolicy=Never", "jobs.ttlSecondsAfterFinished=600",
            "workers=8", "logLevel=Debug", "leaderElection.enabled=false"));
        Assert.Equal(("registry.local/vectordr:9", "Never", "600"), (jobs["Operator__JobImage"], jobs["Operator__JobImagePullPolicy"], jobs["Operator__JobTtlSecondsAfterFinished"]));
        Assert.Equal(("8", "Debug", "false"), (jobs["Operator__Workers"], jobs["Logging__LogLevel__Default"], jobs["Operator__LeaderElection__Enabled"]));
    }

    [Fact]
    public void A_disruption_budget_only_protects_more_than_one_replica()
    {
        var budget = Helm.Defaults.Single<V1PodDisruptionBudget>("PodDisruptionBudget");
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.Equal(Helm.Defaults.Single<V1Deployment>("Deployment").Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);

        Assert.Empty(Helm.Template("replicaCount=1").OfKind("PodDisruptionBudget"));
        Assert.Empty(Helm.Template("podDisruptionBudget.enabled=false").OfKind("PodDisruptionBudget"));
    }

    [Fact]
    public void The_ServiceMonitor_scrapes_the_metrics_service()
    {
        var chart = Helm.Template("metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.labels.release=prometheus");
        var monitor = Assert.Single(chart.OfKind("ServiceMonitor"));
        Assert.Contains("release: prometheus", monitor.Text);
        Assert.Contains("- port: http\n    path: /metrics\n    interval: 30s", monitor.Text);
        Assert.Empty(Helm.Defaults.OfKind("ServiceMonitor"));
    }

    [Fact]
    public void Every_alert_queries_series_the_operator_exports_with_the_labels_its_text_uses()
    {
        var exported = typeof(Metrics.BackupMetrics).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Metrics.BackupMetrics).Namespace)
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Select(f => f.GetValue(null)).OfType<Prometheus.Collector>()
            .ToDictionary(c => c.Name, c => c.LabelNames);
        var chart = Helm.Template("metrics.prometheusRule.enabled=true", "metrics.prometheusRule.replicaLagSeconds=7200");
        var rule = Assert.Single(chart.OfKind("PrometheusRule")).Text;
        var alerts = System.Text.RegularExpressions.Regex.Split(rule, @"^\s*- alert: ", System.Text.RegularExpressions.RegexOptions.Multiline).Skip(1).ToList();
        Assert.Equal(["VectorDRBackupRPOMissed", "VectorDRBackupFailing", "VectorDRReplicaLagging", "VectorDRRestoreFailed", "VectorDROperatorDown"],
            alerts.Select(a => a.Split('\n')[0].Trim()));

        foreach (var alert in alerts)
        {
            var expr = alert.Split('\n').Single(l => l.TrimStart().StartsWith("expr: ", StringComparison.Ordinal));
            var metrics = System.Text.RegularExpressions.Regex.Matches(expr, @"\bvectordr_[a-z_]+").Select(m => m.Value).Distinct().ToList();
            var labels = System.Text.RegularExpressions.Regex.Matches(alert, @"\$labels\.([a-z_]+)").Select(m => m.Groups[1].Value).Distinct();
            foreach (var metric in metrics) Assert.True(exported.ContainsKey(metric), $"{alert.Split('\n')[0]}: the operator exports no {metric}");
            foreach (var label in labels) Assert.True(metrics.All(m => exported[m].Contains(label)), $"{alert.Split('\n')[0]}: not every series of {expr.Trim()} has the label {label}");
        }

        Assert.Contains("expr: vectordr_backup_replica_lag_seconds > 7200", rule);
        // Each alert links to its own section of the runbook that ships with the chart.
        var runbook = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "runbooks", "alerts.md"));
        foreach (var alert in alerts)
        {
            var name = alert.Split('\n')[0].Trim();
            Assert.Contains($"runbook_url: https://github.com/vectordr/vectordr/blob/main/docs/runbooks/alerts.md#{name.ToLowerInvariant()}", alert);
            Assert.Contains($"## {name}", runbook);
        }

        // The operator's own series come through the Service the chart creates: Prometheus names the job after it.
        Assert.Contains($"expr: absent(up{{job=\"{chart.Single<V1Service>("Service").Metadata.Name}\"}} == 1)", rule);
        Assert.Empty(Helm.Defaults.OfKind("PrometheusRule"));
    }

    [Fact]
    public void Users_of_a_namespace_get_VectorDR_resources_through_the_built_in_roles()
    {
        var chart = Helm.Defaults;
        var edit = chart.Single<V1ClusterRole>("ClusterRole", $"{Helm.ReleaseName}-edit");
        Assert.Equal("true", edit.Metadata.Labels["rbac.authorization.k8s.io/aggregate-to-edit"]);
        Assert.Contains(edit.Rules, r => r.Resources.Contains("backuppolicies") && r.Verbs.Contains("create"));
        var view = chart.Single<V1ClusterRole>("ClusterRole", $"{Helm.ReleaseName}-view");
        Assert.Equal("true", view.Metadata.Labels["rbac.authorization.k8s.io/aggregate-to-view"]);
        Assert.All(view.Rules, r => Assert.Equal(["get", "list", "watch"], r.Verbs));

        Assert.DoesNotContain(Helm.Template("rbac.aggregateToDefaultRoles=false").OfKind("ClusterRole"), d => d.Name.EndsWith("-view", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("replicaCount=0", "replicaCount: Must be greater than or equal to 1")]
    [InlineData("imageTag=1.0", "Additional property imageTag is not allowed")]
    [InlineData("image.pullPolicy=Sometimes", "image.pullPolicy")]
    [InlineData("jobs.pullPolicy=Sometimes", "jobs.pullPolicy")]
    [InlineData("watchNamespaces={Search_Team}", "watchNamespaces.0")]
    [InlineData("logLevel=Verbose", "logLevel")]
    [InlineData("image.digest=latest", "image.digest")]
    [InlineData("metrics.prometheusRule.replicaLagSeconds=10", "metrics.prometheusRule.replicaLagSeconds: Must be greater than or equal to 60")]
    [InlineData("metrics.prometheusRule.rpoMissedFor=soon", "metrics.prometheusRule.rpoMissedFor")]
    [InlineData("serviceAccount.create=false", "serviceAccount.name: name the existing service account")]
    [InlineData("metrics.service.enabled=false,metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.enabled needs metrics.service.enabled")]
    public void Bad_values_are_refused_naming_the_value(string set, string expected)
    {
        Assert.Contains(expected, Helm.Refused(set));
    }

    private static void AssertSameJson<T>(T expected, T actual) =>
        Assert.Equal(KubernetesJson.Serialize(expected), KubernetesJson.Serialize(actual));
}
