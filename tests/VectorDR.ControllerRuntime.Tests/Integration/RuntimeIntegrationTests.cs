using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Controllers;
using VectorDR.ControllerRuntime.Entities;
using VectorDR.ControllerRuntime.Events;
using VectorDR.ControllerRuntime.Hosting;
using VectorDR.ControllerRuntime.Schema;
using VectorDR.ControllerRuntime.Tests.Unit;
using VectorDR.KubeEmulator;

namespace VectorDR.ControllerRuntime.Tests.Integration;

/// <summary>Records what the runtime asks of a controller.</summary>
public sealed class WidgetRecorder
{
    public ConcurrentQueue<string> Calls { get; } = new();
}

public sealed class RecordingWidgetController(WidgetRecorder recorder, IStatusWriter status) : IEntityController<Widget>
{
    public async Task<ReconciliationResult> ReconcileAsync(Widget entity, CancellationToken cancellationToken)
    {
        recorder.Calls.Enqueue($"reconcile {entity.Metadata.Name}");
        // "fail-twice" widgets fail their first two reconciles: the runtime must retry them with backoff.
        if (entity.Spec.B == "fail-twice" && recorder.Calls.Count(c => c == $"reconcile {entity.Metadata.Name}") <= 2)
            throw new InvalidOperationException("transient failure");
        if (Conditions.Find(entity.Status.Conditions, "Ready") is null)
        {
            Conditions.Set(entity.Status.Conditions, "Ready", ConditionStatus.True, "Seen", "seen", entity.Metadata.Generation, DateTime.UtcNow);
            await status.UpdateStatusAsync(entity, cancellationToken);
        }
        return ReconciliationResult.Success();
    }

    public Task<ReconciliationResult> DeletedAsync(Widget entity, CancellationToken cancellationToken)
    {
        recorder.Calls.Enqueue($"deleted {entity.Metadata.Name}");
        return Task.FromResult(ReconciliationResult.Success());
    }
}

public sealed class WidgetFinalizer(WidgetRecorder recorder) : IEntityFinalizer<Widget>
{
    public Task FinalizeAsync(Widget entity, CancellationToken cancellationToken)
    {
        recorder.Calls.Enqueue($"finalize {entity.Metadata.Name}");
        return Task.CompletedTask;
    }
}

[Collection("emulator")]
public sealed class RuntimeIntegrationTests : IAsyncLifetime
{
    private const string FinalizerId = "test.example.io/cleanup";
    private KubeEmulatorHost _emulator = null!;
    private KubeApiClient _client = null!;
    private string _crdDir = null!;

    public async Task InitializeAsync()
    {
        _crdDir = Directory.CreateTempSubdirectory("widget-crd").FullName;
        await File.WriteAllTextAsync(Path.Combine(_crdDir, "widgets.yaml"), KubernetesYaml.Serialize(CrdGenerator.Generate(typeof(Widget))));
        _emulator = await KubeEmulatorHost.StartAsync(new KubeEmulatorOptions { CrdPaths = [_crdDir], BookmarkInterval = TimeSpan.FromSeconds(1) });
        _client = new KubeApiClient(new Kubernetes(_emulator.ClientConfiguration));
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(_crdDir, recursive: true);
    }

    private Task<Widget> CreateWidgetAsync(string name) => _client.CreateAsync(new Widget
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new WidgetSpec { Name = "abc" },
    }, CancellationToken.None);

    private async Task<(IHost Host, WidgetRecorder Recorder)> StartOperatorAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IKubernetes>(new Kubernetes(_emulator.ClientConfiguration));
        builder.Services.AddSingleton<WidgetRecorder>();
        builder.Services.AddKubernetesOperator(o =>
            {
                o.Name = "widget-operator";
                o.LeaderElection.Enabled = false;
                o.Workers = 2;
                o.BackoffBase = TimeSpan.FromMilliseconds(50);
            })
            .AddController<RecordingWidgetController, Widget>(c => c
                .Owns<V1ConfigMap>()
                .Watches<V1Secret>((secret, widgets) => widgets.List(secret.Metadata.NamespaceProperty)
                    .Where(w => w.Spec.A == secret.Metadata.Name).Select(ObjectKey.Of)))
            .AddFinalizer<WidgetFinalizer, Widget>(FinalizerId);
        var host = builder.Build();
        await host.StartAsync();
        return (host, host.Services.GetRequiredService<WidgetRecorder>());
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Status_update_conflict_is_retried_on_a_fresh_copy()
    {
        var created = await CreateWidgetAsync("w1");
        // Someone else changes the object: our copy's resourceVersion is now stale.
        var changed = await _client.MergePatchAsync<Widget>("default", "w1", new { metadata = new { labels = new { touched = "yes" } } }, CancellationToken.None);
        Assert.NotEqual(created.Metadata.ResourceVersion, changed.Metadata.ResourceVersion);

        Conditions.Set(created.Status.Conditions, "Ready", ConditionStatus.True, "Done", "done", 1, DateTime.UtcNow);
        var writer = new StatusWriter(_client, Microsoft.Extensions.Logging.Abstractions.NullLogger<StatusWriter>.Instance);
        var updated = await writer.UpdateStatusAsync(created, CancellationToken.None);

        Assert.Equal("Done", Conditions.Find(updated.Status.Conditions, "Ready")!.Reason);
        Assert.Equal("yes", updated.Metadata.Labels["touched"]);
        Assert.Contains(_emulator.Requests, r => r.Method == "PUT" && r.Path.EndsWith("/status", StringComparison.Ordinal) && r.StatusCode == 409);
        var stored = await _client.GetAsync<Widget>("default", "w1", CancellationToken.None);
        Assert.Equal("Done", Conditions.Find(stored!.Status.Conditions, "Ready")!.Reason);
    }

    [Fact]
    public async Task Finalizer_is_added_run_on_delete_and_removed_so_deletion_completes()
    {
        var (host, recorder) = await StartOperatorAsync();
        try
        {
            await CreateWidgetAsync("w2");
            await EventuallyAsync(async () => (await _client.GetAsync<Widget>("default", "w2", CancellationToken.None))?.Metadata.Finalizers?.Contains(FinalizerId) == true
                                              && recorder.Calls.Contains("reconcile w2"), "finalizer added and reconciled");

            await _client.DeleteAsync<Widget>("default", "w2", CancellationToken.None);
            await EventuallyAsync(async () => await _client.GetAsync<Widget>("default", "w2", CancellationToken.None) is null, "widget gone");
            await EventuallyAsync(() => Task.FromResult(recorder.Calls.Contains("deleted w2")), "DeletedAsync called");
            Assert.Contains("finalize w2", recorder.Calls);
            Assert.True(recorder.Calls.ToList().IndexOf("finalize w2") < recorder.Calls.ToList().IndexOf("deleted w2"));
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task Failed_reconciles_are_retried_with_backoff_until_they_succeed()
    {
        var (host, recorder) = await StartOperatorAsync();
        try
        {
            await _client.CreateAsync(new Widget
            {
                Metadata = new V1ObjectMeta { Name = "flaky", NamespaceProperty = "default" },
                Spec = new WidgetSpec { Name = "abc", B = "fail-twice" },
            }, CancellationToken.None);
            await EventuallyAsync(async () => (await _client.GetAsync<Widget>("default", "flaky", CancellationToken.None))?.Status.Conditions.Count == 1,
                "status written after two failures");
            Assert.True(recorder.Calls.Count(c => c == "reconcile flaky") >= 3);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task Owned_and_referenced_objects_reconcile_their_widget()
    {
        var (host, recorder) = await StartOperatorAsync();
        try
        {
            var widget = await _client.CreateAsync(new Widget
            {
                Metadata = new V1ObjectMeta { Name = "w4", NamespaceProperty = "default" },
                Spec = new WidgetSpec { Name = "abc", A = "creds" },
            }, CancellationToken.None);
            await EventuallyAsync(() => Task.FromResult(recorder.Calls.Contains("reconcile w4")), "first reconcile");
            await Task.Delay(300);
            var before = recorder.Calls.Count(c => c == "reconcile w4");

            await _client.CreateAsync(new V1ConfigMap
            {
                ApiVersion = "v1", Kind = "ConfigMap",
                Metadata = new V1ObjectMeta
                {
                    Name = "w4-owned", NamespaceProperty = "default",
                    OwnerReferences = [new V1OwnerReference { ApiVersion = widget.ApiVersion, Kind = widget.Kind, Name = "w4", Uid = widget.Metadata.Uid, Controller = true }],
                },
            }, CancellationToken.None);
            await EventuallyAsync(() => Task.FromResult(recorder.Calls.Count(c => c == "reconcile w4") > before), "owned ConfigMap reconciles its owner");

            var afterOwned = recorder.Calls.Count(c => c == "reconcile w4");
            await _client.CreateAsync(new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta { Name = "creds", NamespaceProperty = "default" } }, CancellationToken.None);
            await EventuallyAsync(() => Task.FromResult(recorder.Calls.Count(c => c == "reconcile w4") > afterOwned), "referenced Secret reconciles the widget");
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task Informer_replays_a_deletion_missed_while_disconnected_after_410()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new OperatorSettings());
        var factory = new Informers.InformerFactory(_client, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, []);
        var informer = factory.Get<Widget>();
        var deleted = new ConcurrentQueue<string>();
        informer.AddHandler(e =>
        {
            if (e.Kind == Informers.InformerEventKind.Deleted) deleted.Enqueue(e.Object.Metadata.Name);
        });
        using var cts = new CancellationTokenSource();
        factory.Start(cts.Token);
        await CreateWidgetAsync("gone");
        await EventuallyAsync(() => Task.FromResult(informer.Get("default", "gone") is not null), "cached");

        _emulator.Faults.FailNextRequests(1000, 503, "watch=true");
        _emulator.Faults.DropAllWatches();
        await _client.DeleteAsync<Widget>("default", "gone", CancellationToken.None);
        _emulator.Faults.CompactHistory();
        _emulator.Faults.Reset();

        await EventuallyAsync(() => Task.FromResult(deleted.Contains("gone")), "deletion replayed by the re-list");
        Assert.Null(informer.Get("default", "gone"));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Events_are_aggregated_with_a_count()
    {
        var widget = await CreateWidgetAsync("w3");
        var options = Microsoft.Extensions.Options.Options.Create(new OperatorSettings { Name = "widget-operator" });
        await using var publisher = new EventPublisher(_client, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<EventPublisher>.Instance);
        await publisher.PublishAsync(widget, "Flapped", "it flapped", EventType.Warning, CancellationToken.None);
        await publisher.PublishAsync(widget, "Flapped", "it flapped", EventType.Warning, CancellationToken.None);
        await publisher.PublishAsync(widget, "Other", "something else", EventType.Normal, CancellationToken.None);

        // A second publisher (a restarted operator) continues the same Event's count.
        await publisher.FlushAsync(CancellationToken.None);
        await using var restarted = new EventPublisher(_client, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<EventPublisher>.Instance);
        await restarted.PublishAsync(widget, "Flapped", "it flapped", EventType.Warning, CancellationToken.None);
        await restarted.FlushAsync(CancellationToken.None);

        var events = (await _client.ListAsync<Corev1Event>("default", null, CancellationToken.None)).Items;
        Assert.Equal(2, events.Count);
        var flapped = events.Single(e => e.Reason == "Flapped");
        Assert.Equal(3, flapped.Count);
        Assert.Equal("Warning", flapped.Type);
        Assert.Equal("w3", flapped.InvolvedObject.Name);
        Assert.Equal("Widget", flapped.InvolvedObject.Kind);
        Assert.Equal("widget-operator", flapped.Source.Component);
    }
}

[CollectionDefinition("emulator", DisableParallelization = true)]
public sealed class EmulatorCollection;
