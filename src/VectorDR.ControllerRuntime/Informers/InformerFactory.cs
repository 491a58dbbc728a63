using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VectorDR.ControllerRuntime.Client;
using VectorDR.ControllerRuntime.Hosting;

namespace VectorDR.ControllerRuntime.Informers;

/// <summary>One shared informer per kind, whoever asks for it; informers asked for after start are started at once.</summary>
public sealed class InformerFactory(KubeApiClient client, IOptions<OperatorSettings> settings, TimeProvider time, ILoggerFactory loggers,
    IEnumerable<ICacheTransform> transforms)
{
    private readonly ConcurrentDictionary<Type, ISharedInformer> _informers = new();
    private readonly ConcurrentDictionary<Type, bool> _started = new();
    private CancellationToken? _running;
    private readonly List<Task> _tasks = [];
    private readonly object _gate = new();

    public SharedInformer<T> Get<T>() where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var informer = (SharedInformer<T>)_informers.GetOrAdd(typeof(T), _ => new SharedInformer<T>(
            client, settings.Value.Namespaces, new InformerOptions
            {
                WatchTimeout = settings.Value.WatchTimeout,
                Transform = transforms.FirstOrDefault(t => t.Kind == typeof(T)) is { } transform ? o => (T)transform.Apply(o) : null,
            },
            time, loggers.CreateLogger($"VectorDR.ControllerRuntime.Informer.{typeof(T).Name}")));
        lock (_gate)
        {
            if (_running is { } ct && _started.TryAdd(typeof(T), true))
                _tasks.Add(Task.Run(() => informer.RunAsync(ct), CancellationToken.None));
        }
        return informer;
    }

    public IReadOnlyCollection<ISharedInformer> All => _informers.Values.ToList();

    public bool AllSynced => _informers.Values.All(i => i.HasSynced);

    internal void Start(CancellationToken ct)
    {
        lock (_gate)
        {
            _running = ct;
            foreach (var (type, informer) in _informers)
                if (_started.TryAdd(type, true)) _tasks.Add(Task.Run(() => informer.RunAsync(ct), CancellationToken.None));
        }
    }

    internal Task Completion
    {
        get { lock (_gate) return Task.WhenAll(_tasks.ToArray()); }
    }

    public async Task WaitForSyncAsync(CancellationToken ct)
    {
        // Await the informers themselves rather than polling on the clock: the clock may be a test's fake one that
        // never moves by itself. Loop, because informers asked for meanwhile must sync too.
        while (!AllSynced)
        {
            Task[] pending;
            pending = _informers.Values.Where(i => !i.HasSynced).Select(i => i.WaitForSyncAsync(ct)).ToArray();
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }
}
