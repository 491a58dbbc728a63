using System.Text.Json.Nodes;
using System.Threading.Channels;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Storage;

/// <summary>Where an object lives: group/resource (version independent), namespace ("" when cluster-scoped) and name.</summary>
internal readonly record struct ObjectKey(GroupResource Resource, string Namespace, string Name);

/// <summary>One committed change, as etcd would report it. <see cref="Previous"/> lets watchers with selectors turn
/// "stopped matching" into DELETED and "started matching" into ADDED, as the real watch cache does.</summary>
internal sealed record StoredEvent(long ResourceVersion, string Type, ObjectKey Key, JsonObject Object, JsonObject? Previous);

/// <summary>
/// In-memory object storage with one global, monotonic resourceVersion (like etcd's revision) and a bounded event
/// history for watch resumption. Objects handed out are the stored instances and must be treated as immutable: callers
/// clone before changing. All writes happen under <see cref="Gate"/>.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Dictionary<ObjectKey, JsonObject> _objects = new();
    private readonly Dictionary<string, ObjectKey> _byUid = new(StringComparer.Ordinal);
    private readonly LinkedList<StoredEvent> _history = new();
    private readonly List<Subscription> _subscriptions = new();
    private readonly int _historyLimit;
    private long _resourceVersion;
    private long _compactedThrough;

    public ObjectStore(int historyLimit, long initialResourceVersion = 100)
    {
        _historyLimit = Math.Max(1, historyLimit);
        _resourceVersion = initialResourceVersion;
        _compactedThrough = initialResourceVersion;
    }

    /// <summary>The single lock that makes every read-modify-write atomic (the real server's optimistic concurrency is
    /// still visible to clients through resourceVersion preconditions).</summary>
    public object Gate { get; } = new();

    public long CurrentResourceVersion
    {
        get
        {
            lock (Gate)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? Get(ObjectKey key)
    {
        lock (Gate)
        {
            return _objects.GetValueOrDefault(key);
        }
    }

    public ObjectKey? FindByUid(string uid)
    {
        lock (Gate)
        {
            return _byUid.TryGetValue(uid, out var key) ? key : null;
        }
    }

    /// <summary>Objects of one resource, optionally in one namespace, ordered by namespace then name (list order of the real server).</summary>
    public List<JsonObject> List(GroupResource resource, string? ns)
    {
        lock (Gate)
        {
            return _objects
                .Where(kv => kv.Key.Resource == resource && (ns is null || kv.Key.Namespace == ns))
                .OrderBy(kv => kv.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
                .Select(kv => kv.Value)
                .ToList();
        }
    }

    public List<KeyValuePair<ObjectKey, JsonObject>> Snapshot()
    {
        lock (Gate)
        {
            return _objects.ToList();
        }
    }

    public JsonObject Add(ObjectKey key, JsonObject obj)
    {
        obj = Normalize(obj);
        lock (Gate)
        {
            var rv = ++_resourceVersion;
            Meta.Of(obj)["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _objects.Add(key, obj);
            if (Meta.Uid(obj) is { } uid)
            {
                _byUid[uid] = key;
            }

            Publish(new StoredEvent(rv, "ADDED", key, obj, null));
            return obj;
        }
    }

    public JsonObject Replace(ObjectKey key, JsonObject obj)
    {
        obj = Normalize(obj);
        lock (Gate)
        {
            var previous = _objects[key];
            var rv = ++_resourceVersion;
            Meta.Of(obj)["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _objects[key] = obj;
            Publish(new StoredEvent(rv, "MODIFIED", key, obj, previous));
            return obj;
        }
    }

    /// <summary>Removes the object; the DELETED event carries the object stamped with the deletion's resourceVersion.</summary>
    public JsonObject Remove(ObjectKey key)
    {
        lock (Gate)
        {
            var previous = _objects[key];
            _objects.Remove(key);
            if (Meta.Uid(previous) is { } uid)
            {
                _byUid.Remove(uid);
            }

            var rv = ++_resourceVersion;
            var final = previous.DeepClone().AsObject();
            Meta.Of(final)["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Publish(new StoredEvent(rv, "DELETED", key, final, previous));
            return final;
        }
    }

    /// <summary>Forgets all retained history: a watch from any older resourceVersion now gets 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (Gate)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    /// <summary>
    /// Starts receiving events for <paramref name="resource"/> (null = all) committed after <paramref name="fromResourceVersion"/>.
    /// Events already in history are queued first, so there is no gap between replay and live events.
    /// </summary>
    public Subscription Subscribe(GroupResource? resource, long fromResourceVersion)
    {
        lock (Gate)
        {
            if (fromResourceVersion < _compactedThrough)
            {
                throw ApiException.Gone(fromResourceVersion, _compactedThrough + 1);
            }

            var subscription = new Subscription(this, resource);
            foreach (var stored in _history)
            {
                if (stored.ResourceVersion > fromResourceVersion && subscription.Accepts(stored))
                {
                    subscription.Writer.TryWrite(stored);
                }
            }

            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Re-reads the object from its JSON form so every stored value behaves like parsed JSON
    /// (values built in code, e.g. an int generation, would otherwise not read back as long).</summary>
    private static JsonObject Normalize(JsonObject obj) => JsonNode.Parse(Api.JsonWire.Serialize(obj))!.AsObject();

    private void Publish(StoredEvent stored)
    {
        _history.AddLast(stored);
        while (_history.Count > _historyLimit)
        {
            _compactedThrough = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        foreach (var subscription in _subscriptions)
        {
            if (subscription.Accepts(stored))
            {
                subscription.Writer.TryWrite(stored);
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (Gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>A live feed of committed events; dispose to stop.</summary>
    internal sealed class Subscription : IDisposable
    {
        private readonly ObjectStore _store;
        private readonly GroupResource? _resource;
        private readonly Channel<StoredEvent> _channel = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = false });

        public Subscription(ObjectStore store, GroupResource? resource)
        {
            _store = store;
            _resource = resource;
        }

        public ChannelReader<StoredEvent> Reader => _channel.Reader;
        internal ChannelWriter<StoredEvent> Writer => _channel.Writer;

        internal bool Accepts(StoredEvent stored) => _resource is null || stored.Key.Resource == _resource;

        public void Dispose()
        {
            _store.Unsubscribe(this);
            _channel.Writer.TryComplete();
        }
    }
}
