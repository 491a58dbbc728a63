using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Controllers;
using VectorDR.ControllerRuntime.Events;
using VectorDR.ControllerRuntime.Informers;
using VectorDR.ControllerRuntime.LeaderElection;
using VectorDR.ControllerRuntime.Metrics;

namespace VectorDR.ControllerRuntime.Hosting;

public sealed class OperatorBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    internal List<Type> ControllerTypes { get; } = [];

    public OperatorBuilder AddController<TController, TEntity>(Action<ControllerRegistration<TEntity>>? configure = null)
        where TController : class, IEntityController<TEntity>
        where TEntity : class, IKubernetesObject<V1ObjectMeta>
    {
        var registration = GetOrAddRegistration<TEntity>();
        registration.ControllerType = typeof(TController);
        configure?.Invoke(registration);
        // Every kind the controller watches is readable from its cache by injection: IResourceCache<T>.
        foreach (var type in registration.CachedTypes) AddResourceCache(type);
        Services.TryAddScoped<TController>();
        Services.AddSingleton<ControllerRunner<TEntity>>();
        Services.AddHostedService(sp => sp.GetRequiredService<ControllerRunner<TEntity>>());
        ControllerTypes.Add(typeof(TController));
        return this;
    }

    public OperatorBuilder AddFinalizer<TFinalizer, TEntity>(string identifier)
        where TFinalizer : class, IEntityFinalizer<TEntity>
        where TEntity : class, IKubernetesObject<V1ObjectMeta>
    {
        GetOrAddRegistration<TEntity>().Finalizers.Add((identifier, typeof(TFinalizer)));
        Services.TryAddScoped<TFinalizer>();
        return this;
    }

    /// <summary>Makes <c>IResourceCache&lt;T&gt;</c> injectable (an informer for T is started).</summary>
    public OperatorBuilder AddResourceCache<T>() where T : class, IKubernetesObject<V1ObjectMeta>
    {
        Services.TryAddSingleton<IResourceCache<T>>(sp => sp.GetRequiredService<InformerFactory>().Get<T>());
        return this;
    }

    /// <summary>Trims cached objects of kind T (e.g. drop what a controller never reads from thousands of Jobs).</summary>
    public OperatorBuilder TransformCached<T>(Func<T, T> transform) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        Services.AddSingleton<ICacheTransform>(new CacheTransform<T>(transform));
        return this;
    }

    private void AddResourceCache(Type type) =>
        typeof(OperatorBuilder).GetMethod(nameof(AddResourceCache), Type.EmptyTypes)!.MakeGenericMethod(type).Invoke(this, null);

    private ControllerRegistration<TEntity> GetOrAddRegistration<TEntity>() where TEntity : class, IKubernetesObject<V1ObjectMeta>
    {
        var existing = Services.FirstOrDefault(d => d.ServiceType == typeof(ControllerRegistration<TEntity>))?.ImplementationInstance;
        if (existing is ControllerRegistration<TEntity> registration) return registration;
        registration = new ControllerRegistration<TEntity>();
        Services.AddSingleton(registration);
        return registration;
    }
}

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the controller runtime: API client, informers, leader election, status writer, event publisher,
    /// and the readiness check "informers synced". Register an <see cref="IKubernetes"/> before, or the default
    /// kubeconfig / in-cluster config is used.
    /// </summary>
    public static OperatorBuilder AddKubernetesOperator(this IServiceCollection services, Action<OperatorSettings>? configure = null)
    {
        var options = services.AddOptions<OperatorSettings>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(_ => new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig(), new ApiRequestMetricsHandler()));
        services.TryAddSingleton<KubeApiClient>();
        services.TryAddSingleton<InformerFactory>();
        services.TryAddSingleton<FinalizerManager>();
        services.TryAddSingleton<IStatusWriter, StatusWriter>();
        services.TryAddSingleton<IEventPublisher, EventPublisher>();
        services.TryAddSingleton<LeaderElectionService>();
        services.TryAddSingleton<ILeadership>(sp => sp.GetRequiredService<LeaderElectionService>());
        // Informers first, so controllers (registered after) find them running; leader election next.
        services.AddHostedService<InformerHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaderElectionService>());
        services.AddHealthChecks().AddCheck<InformersSyncedHealthCheck>("informers-synced", tags: ["ready"]);
        return new OperatorBuilder(services);
    }
}

/// <summary>Starts every informer asked for so far (and later ones as they are asked for).</summary>
internal sealed class InformerHostedService(InformerFactory factory) : IHostedService
{
    private CancellationTokenSource? _cts;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _cts = new CancellationTokenSource();
        factory.Start(_cts.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_cts is null) return;
        await _cts.CancelAsync().ConfigureAwait(false);
        await factory.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        _cts.Dispose();
    }
}

/// <summary>Ready once every informer has listed its kind at least once (the cache reflects the cluster).</summary>
public sealed class InformersSyncedHealthCheck(InformerFactory factory) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pending = factory.All.Where(i => !i.HasSynced).Select(i => i.Resource).ToList();
        return Task.FromResult(pending.Count == 0 && factory.All.Count > 0
            ? HealthCheckResult.Healthy("informers synced")
            : HealthCheckResult.Unhealthy($"waiting for informers: {string.Join(", ", pending)}"));
    }
}
