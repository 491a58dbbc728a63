using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Storage;

/// <summary>
/// The controllers a real control plane runs that tests can observe without pods or nodes: the garbage collector
/// (owner references, background/foreground/orphan propagation), the namespace controller (emptying a terminating namespace)
/// and the CRD finalizer (deleting all instances before a CRD goes). Runs synchronously after each write, under the store lock,
/// until nothing changes; the real ones are asynchronous, so clients already have to wait for their effects.
/// </summary>
internal sealed class GarbageCollector(ObjectLifecycle lifecycle)
{
    private bool _running;

    public void Reconcile()
    {
        lock (lifecycle.Store.Gate)
        {
            if (_running)
            {
                return;
            }

            _running = true;
            try
            {
                for (var pass = 0; pass < 100 && ReconcileOnce(); pass++)
                {
                }
            }
            finally
            {
                _running = false;
            }
        }
    }

    /// <summary>
    /// After a create or an update: a full pass only when the write can have started or advanced a deletion (the object
    /// is being deleted: its finalizers or dependents now matter). Otherwise only the written object can have changed
    /// anything (an owner reference to an object that does not exist), so only it is looked at: a full pass scans
    /// every object, and after every write that made the emulator's throughput fall with the number of objects it holds.
    /// </summary>
    public void ReconcileAfterWrite(ObjectKey key, JsonObject written, JsonObject? previous = null)
    {
        if (Meta.IsDeleting(written) || previous is not null && Meta.IsDeleting(previous))
        {
            Reconcile();
            return;
        }

        lock (lifecycle.Store.Gate)
        {
            if (_running || lifecycle.Store.Get(key) is not { } current || !ReferenceEquals(current, written))
            {
                return;
            }

            _running = true;
            try
            {
                if (CollectIfOrphaned(key, written))
                {
                    for (var pass = 0; pass < 100 && ReconcileOnce(); pass++)
                    {
                    }
                }
            }
            finally
            {
                _running = false;
            }
        }
    }

    public bool HasDependents(string? uid) =>
        uid is not null && lifecycle.Store.Snapshot().Any(kv => Meta.OwnerReferences(kv.Value).Any(r => r["uid"]?.GetValue<string>() == uid));

    private bool ReconcileOnce()
    {
        var changed = false;
        var snapshot = lifecycle.Store.Snapshot();
        var dependents = snapshot
            .SelectMany(kv => Meta.OwnerReferences(kv.Value).Select(r => (Owner: r["uid"]?.GetValue<string>() ?? "", Dependent: kv)))
            .ToLookup(x => x.Owner, x => x.Dependent);

        foreach (var (key, obj) in snapshot)
        {
            if (lifecycle.Store.Get(key) is not { } current || !ReferenceEquals(current, obj))
            {
                continue;
            }

            if (Meta.IsDeleting(obj))
            {
                changed |= Finalize(key, obj, dependents[Meta.Uid(obj) ?? ""].ToList(), snapshot);
            }

            if (lifecycle.Store.Get(key) is { } still && ReferenceEquals(still, obj))
            {
                changed |= CollectIfOrphaned(key, obj);
            }
        }

        return changed;
    }

    private bool Finalize(ObjectKey key, JsonObject obj, List<KeyValuePair<ObjectKey, JsonObject>> dependents, List<KeyValuePair<ObjectKey, JsonObject>> snapshot)
    {
        var finalizers = Meta.Finalizers(obj);
        var uid = Meta.Uid(obj);
        if (finalizers.Contains(ObjectLifecycle.OrphanFinalizer))
        {
            foreach (var (dependentKey, dependent) in dependents)
            {
                if (lifecycle.Store.Get(dependentKey) is { } live)
                {
                    var updated = live.DeepClone().AsObject();
                    var remaining = Meta.OwnerReferences(updated).Where(r => r["uid"]?.GetValue<string>() != uid).Select(r => (JsonNode)r.DeepClone()).ToArray();
                    SetOwnerReferences(updated, remaining);
                    lifecycle.Replace(dependentKey, updated);
                }
            }

            lifecycle.RemoveFinalizer(key, obj, ObjectLifecycle.OrphanFinalizer);
            return true;
        }

        if (finalizers.Contains(ObjectLifecycle.ForegroundFinalizer))
        {
            var live = dependents.Where(d => lifecycle.Store.Get(d.Key) is not null).ToList();
            foreach (var (dependentKey, dependent) in live.Where(d => !Meta.IsDeleting(d.Value)))
            {
                lifecycle.Delete(dependentKey, dependent, Propagation.Foreground, HasDependents(Meta.Uid(dependent)));
            }

            if (live.Count == 0)
            {
                lifecycle.RemoveFinalizer(key, obj, ObjectLifecycle.ForegroundFinalizer);
                return true;
            }

            return live.Any(d => !Meta.IsDeleting(d.Value));
        }

        if (key.Resource == ObjectLifecycle.Namespaces)
        {
            var content = snapshot.Where(kv => kv.Key.Namespace == key.Name && lifecycle.Store.Get(kv.Key) is not null).ToList();
            foreach (var (contentKey, item) in content.Where(c => !Meta.IsDeleting(c.Value)))
            {
                lifecycle.Delete(contentKey, item, Propagation.Background, false);
            }

            if (content.Count == 0)
            {
                var finished = obj.DeepClone().AsObject();
                finished["spec"] = new JsonObject { ["finalizers"] = new JsonArray() };
                finished["spec"]!.AsObject().Remove("finalizers");
                lifecycle.ReplaceOrFinish(key, finished);
                return true;
            }

            return content.Any(c => !Meta.IsDeleting(c.Value));
        }

        if (key.Resource == CustomResourceDefinitions.Resource && finalizers.Contains(CustomResourceDefinitions.CleanupFinalizer))
        {
            var defined = CustomResourceDefinitions.Defines(obj);
            var instances = snapshot.Where(kv => kv.Key.Resource == defined && lifecycle.Store.Get(kv.Key) is not null).ToList();
            foreach (var (instanceKey, instance) in instances.Where(i => !Meta.IsDeleting(i.Value)))
            {
                lifecycle.Delete(instanceKey, instance, Propagation.Background, HasDependents(Meta.Uid(instance)));
            }

            if (instances.Count == 0)
            {
                lifecycle.RemoveFinalizer(key, obj, CustomResourceDefinitions.CleanupFinalizer);
                return true;
            }

            return instances.Any(i => !Meta.IsDeleting(i.Value));
        }

        return false;
    }

    /// <summary>Deletes an object whose owners are all gone; drops references to the owners that are gone otherwise.</summary>
    private bool CollectIfOrphaned(ObjectKey key, JsonObject obj)
    {
        var references = Meta.OwnerReferences(obj).ToList();
        if (references.Count == 0)
        {
            return false;
        }

        var missing = references.Where(r => r["uid"]?.GetValue<string>() is not { } uid || lifecycle.Store.FindByUid(uid) is null).ToList();
        if (missing.Count == 0)
        {
            return false;
        }

        if (missing.Count == references.Count)
        {
            if (Meta.IsDeleting(obj))
            {
                return false;
            }

            lifecycle.Delete(key, obj, Propagation.Background, HasDependents(Meta.Uid(obj)));
            return true;
        }

        var updated = obj.DeepClone().AsObject();
        SetOwnerReferences(updated, references.Except(missing).Select(r => (JsonNode)r.DeepClone()).ToArray());
        lifecycle.Replace(key, updated);
        return true;
    }

    private static void SetOwnerReferences(JsonObject obj, JsonNode[] references)
    {
        if (references.Length == 0)
        {
            Meta.Of(obj).Remove("ownerReferences");
        }
        else
        {
            Meta.Of(obj)["ownerReferences"] = new JsonArray(references);
        }
    }
}
