using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;
using VectorDR.ControllerRuntime.Hosting;
using VectorDR.ControllerRuntime.Metrics;
using VectorDR.Operator.Controllers;
using VectorDR.Operator.Entities;
using VectorDR.Operator.Jobs;

namespace VectorDR.Operator.Hosting;

/// <summary>Builds the operator's web host: the controllers, /healthz, /readyz and /metrics.</summary>
public static class OperatorHost
{
    /// <param name="args">Command-line arguments (configuration overrides such as --Operator:Workers=8, --kubeconfig PATH).</param>
    /// <param name="configure">Test hook: runs after defaults, before the app is built (e.g. to inject an IKubernetes).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(OperatorHost).Assembly.GetName().Name });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--kubeconfig"] = "Operator:Kubeconfig" });
        builder.WebHost.UseUrls(builder.Configuration["Urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? "http://127.0.0.1:8080");

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        var section = builder.Configuration.GetSection(OperatorOptions.Section);
        builder.Services.Configure<OperatorOptions>(section);
        // Product defaults first, then configuration: options actions run in registration order.
        builder.Services.Configure<OperatorSettings>(s =>
        {
            s.Name = "vectordr-operator";
            s.LeaderElection.LeaseName = "vectordr-operator-leader";
        });
        builder.Services.Configure<OperatorSettings>(section);
        builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(ClientConfiguration(section.Get<OperatorOptions>() ?? new OperatorOptions()),
            new ApiRequestMetricsHandler()));

        builder.Services.AddSingleton<JobFactory>();
        builder.Services.AddSingleton<JobInspector>();
        builder.Services.AddSingleton<JobRecords>();
        builder.Services.AddSingleton<BackupJobs>();
        builder.Services.AddSingleton<RestoreHolds>();
        builder.Services.AddScoped<BackupRunRecorder>();

        builder.Services.AddKubernetesOperator()
            .AddController<BackupPolicyController, BackupPolicy>(c => c
                .Owns<V1Job>()
                .Watches<V1Secret>(BackupPolicyController.PoliciesReferencing)
                .Watches<V1PersistentVolumeClaim>(BackupPolicyController.PoliciesOnClaim)
                .Watches<RestoreRequest>(RestoreHolds.PoliciesAffectedBy))
            .AddRestoreRequests()
            .TransformCached<V1Job>(CacheTransforms.WithoutPodTemplate)
            .TransformCached<V1Secret>(CacheTransforms.KeysOnly)
            .TransformCached<V1PersistentVolumeClaim>(CacheTransforms.MetadataOnly);

        configure?.Invoke(builder);

        var app = builder.Build();
        // Liveness runs no check: a slow API server must not get the pod killed. Readiness waits for the informers.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapMetrics("/metrics");
        return app;
    }

    private static KubernetesClientConfiguration ClientConfiguration(OperatorOptions options)
    {
        if (options.Kubeconfig is { Length: > 0 } path) return KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env)
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(env);
        return KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile();
    }
}
