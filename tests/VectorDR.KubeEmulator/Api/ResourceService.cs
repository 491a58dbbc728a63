using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VectorDR.KubeEmulator.OpenApi;
using VectorDR.KubeEmulator.Patching;
using VectorDR.KubeEmulator.Selectors;
using VectorDR.KubeEmulator.Storage;

namespace VectorDR.KubeEmulator.Api;

/// <summary>Query options shared by writes: <c>dryRun=All</c> and <c>fieldValidation</c> (Ignore, Warn, Strict).</summary>
internal sealed record WriteOptions(bool DryRun = false, string FieldValidation = "Warn");

/// <summary>Options of a DELETE (query or DeleteOptions body).</summary>
internal sealed record DeleteRequest(Propagation? Policy = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, bool DryRun = false);

/// <summary>A write's result: the object as stored, the HTTP status (200/201/202), and Warning headers.</summary>
internal sealed record WriteResult(JsonObject Body, int StatusCode, IReadOnlyList<string> Warnings);

/// <summary>One page of a list.</summary>
internal sealed record ListResult(IReadOnlyList<JsonObject> Items, string ResourceVersion, string? Continue);

/// <summary>
/// The generic registry semantics of the API server applied to raw JSON objects: create/update/patch/delete with
/// resourceVersion preconditions, metadata ownership, generation, the status subresource, schema processing for custom
/// resources, and the built-in strategies. Every operation is atomic under the store's lock.
/// </summary>
internal sealed partial class ResourceService
{
    private static readonly HashSet<string> ServerOwnedMetadata =
        ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields"];

    private readonly ObjectStore _store;
    private readonly ObjectLifecycle _lifecycle;
    private readonly GarbageCollector _collector;
    private readonly CustomResourceDefinitions _crds;
    private readonly BuiltInStrategies _strategies = new();
    private readonly IPatchMetaSource _patchMeta;
    private readonly TimeProvider _time;

    public ResourceService(ObjectStore store, CustomResourceDefinitions crds, IPatchMetaSource patchMeta, TimeProvider time)
    {
        _store = store;
        _crds = crds;
        _patchMeta = patchMeta;
        _time = time;
        _lifecycle = new ObjectLifecycle(store, crds, time);
        _collector = new GarbageCollector(_lifecycle);
    }

    public ObjectStore Store => _store;

    // ------------------------------------------------------------------ reads

    public JsonObject Get(ResourceType type, string? ns, string name)
    {
        var obj = _store.Get(Key(type, ns, name)) ?? throw ApiException.NotFound(type.Resource, type.Group, name);
        return Present(type, obj);
    }

    public ListResult List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, int? limit, string? continueToken)
    {
        lock (_store.Gate)
        {
            var rv = _store.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var start = DecodeContinue(continueToken);
            var matching = _store.List(type.GroupResource, ns)
                .Where(o => labels.Matches(Meta.Labels(o)) && fields.Matches(o))
                .Where(o => start is null || string.CompareOrdinal(SortKey(o), start) > 0)
                .ToList();
            if (limit is > 0 && matching.Count > limit)
            {
                var page = matching.Take(limit.Value).ToList();
                return new ListResult(page.Select(o => Present(type, o)).ToList(), rv, EncodeContinue(SortKey(page[^1])));
            }

            return new ListResult(matching.Select(o => Present(type, o)).ToList(), rv, null);
        }
    }

    /// <summary>Serves a stored object in the requested version (conversion strategy None: only apiVersion changes) with current defaults.</summary>
    public static JsonObject Present(ResourceType type, JsonObject stored)
    {
        if (stored["apiVersion"]?.GetValue<string>() == type.ApiVersion && type.Custom?.Schema is null)
        {
            return stored;
        }

        var copy = stored.DeepClone().AsObject();
        copy["apiVersion"] = type.ApiVersion;
        type.Custom?.Schema?.Default(copy);
        return copy;
    }

    // ------------------------------------------------------------------ create

    public WriteResult Create(ResourceType type, string? ns, JsonObject body, WriteOptions options)
    {
        lock (_store.Gate)
        {
            var obj = body.DeepClone().AsObject();
            CheckTypeMeta(type, obj);
            var meta = Meta.Of(obj);
            if (!string.IsNullOrEmpty(Meta.ResourceVersion(obj)))
            {
                throw ApiException.BadRequest("resourceVersion should not be set on objects to be created");
            }

            foreach (var field in ServerOwnedMetadata)
            {
                meta.Remove(field);
            }

            meta.Remove("resourceVersion");
            AssignNamespace(type, ns, obj);
            AssignName(type, obj);
            var name = Meta.Name(obj)!;
            if (type.Namespaced)
            {
                RequireLiveNamespace(ns!);
            }

            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Meta.Timestamp(_time.GetUtcNow());
            if (type.TracksGeneration)
            {
                meta["generation"] = 1;
            }

            if (type.IsCustom && type.HasStatusSubresource)
            {
                obj.Remove("status");
            }

            _strategies.PrepareForCreate(type, obj);
            var warnings = Admit(type, obj, null, options);
            if (type.GroupResource == CustomResourceDefinitions.Resource)
            {
                Meta.SetFinalizers(obj, Meta.Finalizers(obj).Append(CustomResourceDefinitions.CleanupFinalizer).Distinct().ToList());
                _crds.SetEstablishedStatus(obj);
            }

            var key = Key(type, ns, name);
            if (_store.Get(key) is not null)
            {
                throw ApiException.AlreadyExists(type.Resource, type.Group, name);
            }

            if (options.DryRun)
            {
                return new WriteResult(obj, 201, warnings);
            }

            var stored = _lifecycle.Add(key, obj);
            _collector.ReconcileAfterWrite(key, stored);
            return new WriteResult(Present(type, stored), 201, warnings);
        }
    }

    // ------------------------------------------------------------------ update / patch

    public WriteResult Update(ResourceType type, string? ns, string name, JsonObject body, bool statusOnly, WriteOptions options)
    {
        lock (_store.Gate)
        {
            var key = Key(type, ns, name);
            var current = _store.Get(key) ?? throw ApiException.NotFound(type.Resource, type.Group, name);
            var candidate = body.DeepClone().AsObject();
            CheckTypeMeta(type, candidate);
            CheckIdentity(type, ns, name, candidate);
            var requestedVersion = Meta.ResourceVersion(candidate);
            if (!string.IsNullOrEmpty(requestedVersion) && requestedVersion != Meta.ResourceVersion(current))
            {
                throw ApiException.Conflict(type.Resource, type.Group, name);
            }

            return Commit(type, key, current, candidate, statusOnly, options);
        }
    }

    public WriteResult Patch(ResourceType type, string? ns, string name, string contentType, JsonNode? patch, bool statusOnly, WriteOptions options)
    {
        lock (_store.Gate)
        {
            var key = Key(type, ns, name);
            var current = _store.Get(key) ?? throw ApiException.NotFound(type.Resource, type.Group, name);
            var original = Present(type, current);
            JsonNode? patched = contentType switch
            {
                "application/merge-patch+json" => JsonMergePatch.Apply(original, patch),
                "application/json-patch+json" => JsonPatch.Apply(original, patch),
                "application/strategic-merge-patch+json" when !type.IsCustom => StrategicMergePatch.Apply(original, patch, _patchMeta.For(type)),
                _ => throw ApiException.UnsupportedMediaType(contentType),
            };
            if (patched is not JsonObject candidate)
            {
                throw ApiException.BadRequest("the patch did not produce an object");
            }

            CheckTypeMeta(type, candidate);
            CheckIdentity(type, ns, name, candidate);
            var requestedVersion = Meta.ResourceVersion(candidate);
            if (!string.IsNullOrEmpty(requestedVersion) && requestedVersion != Meta.ResourceVersion(current))
            {
                throw ApiException.Conflict(type.Resource, type.Group, name);
            }

            return Commit(type, key, current, candidate, statusOnly, options);
        }
    }

    /// <summary>
    /// An approximation of server-side apply: creates the object when absent, otherwise merges the applied configuration
    /// into it (strategic merge for built-ins, JSON merge for custom resources). Field ownership is not tracked, so fields
    /// a manager stops applying are not removed and apply conflicts (409 with force=false) never occur.
    /// </summary>
    public WriteResult Apply(ResourceType type, string? ns, string name, JsonObject applied, string fieldManager, bool statusOnly, WriteOptions options)
    {
        if (string.IsNullOrEmpty(fieldManager))
        {
            throw ApiException.Invalid("PatchOptions.meta.k8s.io", "meta.k8s.io", "", [FieldError.Required("fieldManager", "is required for apply patch")]);
        }

        if (string.IsNullOrEmpty(applied["apiVersion"]?.GetValue<string>()) || string.IsNullOrEmpty(applied["kind"]?.GetValue<string>()))
        {
            throw ApiException.BadRequest("apiVersion and kind must be set in an apply configuration");
        }

        lock (_store.Gate)
        {
            var key = Key(type, ns, name);
            if (_store.Get(key) is not { } current)
            {
                if (statusOnly)
                {
                    throw ApiException.NotFound(type.Resource, type.Group, name);
                }

                var toCreate = applied.DeepClone().AsObject();
                Meta.Of(toCreate)["name"] = name;
                return Create(type, ns, toCreate, options);
            }

            var original = Present(type, current);
            var merged = type.IsCustom ? JsonMergePatch.Apply(original, applied) : StrategicMergePatch.Apply(original, applied, _patchMeta.For(type));
            var candidate = merged as JsonObject ?? throw ApiException.BadRequest("the apply configuration did not produce an object");
            CheckTypeMeta(type, candidate);
            CheckIdentity(type, ns, name, candidate);
            if (Meta.ResourceVersion(candidate) is { Length: > 0 } requested && requested != Meta.ResourceVersion(current))
            {
                throw ApiException.Conflict(type.Resource, type.Group, name);
            }

            return Commit(type, key, current, candidate, statusOnly, options);
        }
    }

    private WriteResult Commit(ResourceType type, ObjectKey key, JsonObject current, JsonObject candidate, bool statusOnly, WriteOptions options)
    {
        if (statusOnly)
        {
            // The status subresource takes only status from the request; everything else stays as stored.
            var status = candidate["status"]?.DeepClone();
            candidate = current.DeepClone().AsObject();
            candidate["apiVersion"] = type.ApiVersion;
            if (status is null)
            {
                candidate.Remove("status");
            }
            else
            {
                candidate["status"] = status;
            }
        }
        else
        {
            var meta = Meta.Of(candidate);
            var oldMeta = Meta.Of(current);
            foreach (var field in ServerOwnedMetadata.Append("name").Append("namespace"))
            {
                if (oldMeta[field] is { } value)
                {
                    meta[field] = value.DeepClone();
                }
                else
                {
                    meta.Remove(field);
                }
            }

            if (type.HasStatusSubresource)
            {
                if (current["status"] is { } status)
                {
                    candidate["status"] = status.DeepClone();
                }
                else
                {
                    candidate.Remove("status");
                }
            }

            _strategies.PrepareForUpdate(type, candidate, current);
        }

        Meta.Of(candidate)["resourceVersion"] = Meta.ResourceVersion(current);
        var warnings = Admit(type, candidate, current, options);
        if (!statusOnly)
        {
            CheckFinalizersWhileDeleting(type, current, candidate);
        }

        if (type.GroupResource == CustomResourceDefinitions.Resource)
        {
            _crds.SetEstablishedStatus(candidate);
        }

        if (type.TracksGeneration && !statusOnly && !JsonNode.DeepEquals(WithoutMetadata(candidate), WithoutMetadata(Present(type, current))))
        {
            Meta.Of(candidate)["generation"] = Meta.Generation(current) + 1;
        }

        var storedForm = candidate.DeepClone().AsObject();
        storedForm["apiVersion"] = current["apiVersion"]?.DeepClone();
        if (JsonNode.DeepEquals(storedForm, current))
        {
            return new WriteResult(Present(type, current), 200, warnings);
        }

        if (options.DryRun)
        {
            return new WriteResult(candidate, 200, warnings);
        }

        candidate["apiVersion"] = type.ApiVersion;
        var stored = _lifecycle.ReplaceOrFinish(key, candidate);
        if (_store.Get(key) is { } kept && ReferenceEquals(kept, stored))
        {
            _collector.ReconcileAfterWrite(key, stored, current);
        }
        else
        {
            _collector.Reconcile(); // the update finished a deletion (its last finalizer went)
        }
        return new WriteResult(Present(type, stored), 200, warnings);
    }

    // ------------------------------------------------------------------ delete

    public WriteResult Delete(ResourceType type, string? ns, string name, DeleteRequest request)
    {
        lock (_store.Gate)
        {
            var key = Key(type, ns, name);
            var current = _store.Get(key) ?? throw ApiException.NotFound(type.Resource, type.Group, name);
            if (request.PreconditionUid is { } uid && uid != Meta.Uid(current))
            {
                throw new ApiException(409, "Conflict",
                    $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {Meta.Uid(current)}");
            }

            if (request.PreconditionResourceVersion is { } rv && rv != Meta.ResourceVersion(current))
            {
                throw new ApiException(409, "Conflict",
                    $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Meta.ResourceVersion(current)}");
            }

            if (request.DryRun)
            {
                return new WriteResult(Present(type, current), 200, []);
            }

            var policy = request.Policy ?? type.DefaultPropagation;
            var outcome = _lifecycle.Delete(key, current, policy, _collector.HasDependents(Meta.Uid(current)));
            _collector.Reconcile();
            var stillThere = _store.Get(key);
            if (stillThere is not null)
            {
                return new WriteResult(Present(type, stillThere), 202, []);
            }

            return type.DeleteReturnsObject
                ? new WriteResult(Present(type, outcome.Object), 200, [])
                : new WriteResult(StatusBodies.Success(name, type.Group, type.Resource, Meta.Uid(current)), 200, []);
        }
    }

    public JsonObject DeleteCollection(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, DeleteRequest request)
    {
        lock (_store.Gate)
        {
            var deleted = new JsonArray();
            foreach (var obj in _store.List(type.GroupResource, ns).Where(o => labels.Matches(Meta.Labels(o)) && fields.Matches(o)))
            {
                var result = Delete(type, Meta.Namespace(obj), Meta.Name(obj)!, request);
                deleted.Add(result.Body.DeepClone());
            }

            return new JsonObject
            {
                ["kind"] = type.ListKind,
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _store.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["items"] = deleted,
            };
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Schema pruning/defaulting/validation for custom resources, built-in strategy validation, CRD validation.</summary>
    private List<string> Admit(ResourceType type, JsonObject obj, JsonObject? old, WriteOptions options)
    {
        var errors = new List<FieldError>();
        var warnings = new List<string>();
        errors.AddRange(ValidateName(type, Meta.Name(obj) ?? ""));
        errors.AddRange(ValidateMetadata(obj));
        IReadOnlyList<string> unknownFields = [];
        if (type.Custom?.Schema is { } schema)
        {
            var outcome = schema.Process(obj, old is null ? null : Present(type, old));
            unknownFields = outcome.UnknownFields;
            errors.AddRange(outcome.Errors);
        }
        else if (!type.IsCustom && _patchMeta.PrunerFor(type) is { } pruner)
        {
            unknownFields = pruner.Prune(obj);
        }

        if (unknownFields.Count > 0)
        {
            switch (options.FieldValidation)
            {
                case "Strict":
                    var list = string.Join(", ", unknownFields.Select(f => $"unknown field \"{f}\""));
                    throw ApiException.BadRequest($"strict decoding error: {list}");
                case "Warn":
                    warnings.AddRange(unknownFields.Select(f => $"unknown field \"{f}\""));
                    break;
            }
        }

        errors.AddRange(_strategies.Validate(type, obj, old));
        if (type.GroupResource == CustomResourceDefinitions.Resource)
        {
            errors.AddRange(_crds.Validate(obj));
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type.QualifiedKind, type.Group, Meta.Name(obj) ?? "", errors);
        }

        return warnings;
    }

    private static IEnumerable<FieldError> ValidateMetadata(JsonObject obj)
    {
        foreach (var section in new[] { "labels", "annotations" })
        {
            if (obj["metadata"]?[section] is JsonObject map)
            {
                foreach (var (key, value) in map)
                {
                    if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                    {
                        yield return FieldError.Invalid($"metadata.{section}", Schema.StructuralSchema.Render(value), "must be a string");
                    }
                    else if (section == "labels" && !LabelValue().IsMatch(v.GetValue<string>()))
                    {
                        yield return FieldError.Invalid($"metadata.labels", $"\"{v.GetValue<string>()}\"",
                            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
                    }
                }
            }
        }
    }

    private static IEnumerable<FieldError> ValidateName(ResourceType type, string name)
    {
        if (name.Length == 0)
        {
            yield break;
        }

        var dnsLabel = type.Resource is "namespaces" or "services";
        if (dnsLabel ? name.Length > 63 || !DnsLabel().IsMatch(name) : name.Length > 253 || !DnsSubdomain().IsMatch(name))
        {
            yield return FieldError.Invalid("metadata.name", $"\"{name}\"", dnsLabel
                ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }
    }

    private static void CheckFinalizersWhileDeleting(ResourceType type, JsonObject current, JsonObject candidate)
    {
        if (!Meta.IsDeleting(current))
        {
            return;
        }

        var added = Meta.Finalizers(candidate).Except(Meta.Finalizers(current)).ToList();
        if (added.Count > 0)
        {
            throw ApiException.Invalid(type.QualifiedKind, type.Group, Meta.Name(current) ?? "",
                [FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(a => $"\"{a}\""))}}}")]);
        }
    }

    private static void CheckTypeMeta(ResourceType type, JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>();
        var kind = obj["kind"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the server could not find the requested resource (kind {kind} does not match {type.Kind})");
        }

        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
    }

    private static void CheckIdentity(ResourceType type, string? ns, string name, JsonObject obj)
    {
        var bodyName = Meta.Name(obj);
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyNamespace = Meta.Namespace(obj);
        if (type.Namespaced && !string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static void AssignNamespace(ResourceType type, string? ns, JsonObject obj)
    {
        var meta = Meta.Of(obj);
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }

        var bodyNamespace = Meta.Namespace(obj);
        if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        meta["namespace"] = ns;
    }

    private void AssignName(ResourceType type, JsonObject obj)
    {
        var meta = Meta.Of(obj);
        if (!string.IsNullOrEmpty(Meta.Name(obj)))
        {
            return;
        }

        var prefix = Meta.Str(obj, "generateName");
        if (string.IsNullOrEmpty(prefix))
        {
            throw ApiException.Invalid(type.QualifiedKind, type.Group, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
        }

        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        string candidate;
        do
        {
            candidate = prefix + new string(Enumerable.Range(0, 5).Select(_ => alphabet[Random.Shared.Next(alphabet.Length)]).ToArray());
        }
        while (_store.Get(new ObjectKey(type.GroupResource, Meta.Namespace(obj) ?? "", candidate)) is not null);

        meta["name"] = candidate;
    }

    private void RequireLiveNamespace(string ns)
    {
        var namespaceObject = _store.Get(new ObjectKey(ObjectLifecycle.Namespaces, "", ns))
            ?? throw ApiException.NotFound("namespaces", "", ns);
        if (Meta.IsDeleting(namespaceObject))
        {
            throw ApiException.Forbidden($"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private static JsonObject WithoutMetadata(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("apiVersion");
        return copy;
    }

    private static ObjectKey Key(ResourceType type, string? ns, string name) => new(type.GroupResource, type.Namespaced ? ns ?? "" : "", name);

    private static string SortKey(JsonObject obj) => (Meta.Namespace(obj) ?? "") + "/" + Meta.Name(obj);

    private static string EncodeContinue(string after) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { v = "meta.k8s.io/v1", start = after })));

    private static string? DecodeContinue(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))?["start"]?.GetValue<string>();
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("continue key is not valid: illegal base64 data");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
