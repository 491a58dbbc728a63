using System.Text.Json.Nodes;
using VectorDR.KubeEmulator.Api;

namespace VectorDR.KubeEmulator.Storage;

/// <summary>Outcome of a delete: removed now, or marked with deletionTimestamp and kept until its finalizers are gone.</summary>
internal sealed record DeleteOutcome(JsonObject Object, bool Removed);

/// <summary>
/// Commits objects to the store and runs what must follow a commit (CRD registration), and implements graceful deletion:
/// objects with finalizers get a deletionTimestamp and stay until the last finalizer is removed. Callers hold the store's lock.
/// </summary>
internal sealed class ObjectLifecycle(ObjectStore store, CustomResourceDefinitions crds, TimeProvider time)
{
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";

    public ObjectStore Store => store;

    public JsonObject Add(ObjectKey key, JsonObject obj)
    {
        var stored = store.Add(key, obj);
        AfterCommit(key, stored, removed: false);
        return stored;
    }

    public JsonObject Replace(ObjectKey key, JsonObject obj)
    {
        var stored = store.Replace(key, obj);
        AfterCommit(key, stored, removed: false);
        return stored;
    }

    public JsonObject Remove(ObjectKey key)
    {
        var removed = store.Remove(key);
        AfterCommit(key, removed, removed: true);
        return removed;
    }

    /// <summary>Replaces the object, or, when it is being deleted and no finalizer is left, removes it (MODIFIED then DELETED).</summary>
    public JsonObject ReplaceOrFinish(ObjectKey key, JsonObject obj)
    {
        var stored = Replace(key, obj);
        return Meta.IsDeleting(stored) && Meta.Finalizers(stored).Count == 0 && !HasNamespaceFinalizer(stored) ? Remove(key) : stored;
    }

    public DeleteOutcome Delete(ObjectKey key, JsonObject current, Propagation policy, bool hasDependents)
    {
        if (Meta.IsDeleting(current))
        {
            return new DeleteOutcome(current, false);
        }

        var finalizers = Meta.Finalizers(current);
        if (hasDependents && policy == Propagation.Orphan && !finalizers.Contains(OrphanFinalizer))
        {
            finalizers.Add(OrphanFinalizer);
        }
        else if (hasDependents && policy == Propagation.Foreground && !finalizers.Contains(ForegroundFinalizer))
        {
            finalizers.Add(ForegroundFinalizer);
        }

        if (finalizers.Count == 0 && !HasNamespaceFinalizer(current))
        {
            return new DeleteOutcome(Remove(key), true);
        }

        var marked = current.DeepClone().AsObject();
        Meta.SetFinalizers(marked, finalizers);
        Meta.Of(marked)["deletionTimestamp"] = Meta.Timestamp(time.GetUtcNow());
        Meta.Of(marked)["deletionGracePeriodSeconds"] = 0;
        if (key.Resource == Namespaces)
        {
            marked["status"] = new JsonObject { ["phase"] = "Terminating" };
        }

        return new DeleteOutcome(Replace(key, marked), false);
    }

    /// <summary>Drops one finalizer (a controller's job finished) and completes the deletion when none is left.</summary>
    public void RemoveFinalizer(ObjectKey key, JsonObject current, string finalizer)
    {
        var updated = current.DeepClone().AsObject();
        Meta.SetFinalizers(updated, Meta.Finalizers(current).Where(f => f != finalizer).ToList());
        ReplaceOrFinish(key, updated);
    }

    public static readonly GroupResource Namespaces = new("", "namespaces");

    /// <summary>Namespaces are finalized through spec.finalizers ("kubernetes"), which the namespace controller clears once empty.</summary>
    private static bool HasNamespaceFinalizer(JsonObject obj) => obj["spec"]?["finalizers"] is JsonArray { Count: > 0 } && obj["kind"]?.GetValue<string>() == "Namespace";

    private void AfterCommit(ObjectKey key, JsonObject obj, bool removed)
    {
        if (key.Resource != CustomResourceDefinitions.Resource)
        {
            return;
        }

        if (removed)
        {
            crds.Unregister(key.Name);
        }
        else
        {
            crds.Register(obj);
        }
    }
}
