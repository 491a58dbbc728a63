using VectorDR.QdrantEmulator.Http;

namespace VectorDR.QdrantEmulator.Model;

/// <summary>All collections and aliases of the node. Alias changes run in order under one lock, like Qdrant.</summary>
internal sealed class CollectionRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Collection> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names()
    {
        lock (_gate)
        {
            return _collections.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Resolves a collection name or alias; 404 with Qdrant's wording when neither exists.</summary>
    public Collection Get(string nameOrAlias) =>
        TryGet(nameOrAlias) ?? throw QdrantApiException.CollectionNotFound(nameOrAlias);

    public Collection? TryGet(string nameOrAlias)
    {
        lock (_gate)
        {
            if (_collections.TryGetValue(nameOrAlias, out var collection))
            {
                return collection;
            }

            return _aliases.TryGetValue(nameOrAlias, out var target) ? _collections.GetValueOrDefault(target) : null;
        }
    }

    public bool Exists(string nameOrAlias) => TryGet(nameOrAlias) is not null;

    public Collection Create(string name, CollectionConfig config)
    {
        lock (_gate)
        {
            if (_collections.ContainsKey(name))
            {
                throw QdrantApiException.AlreadyExists($"Collection `{name}` already exists!");
            }

            if (_aliases.ContainsKey(name))
            {
                throw new QdrantApiException(400, $"Wrong input: Alias with the same name `{name}` already exists!");
            }

            var collection = new Collection(name, config);
            _collections[name] = collection;
            return collection;
        }
    }

    /// <summary>Returns the existing collection or creates it (snapshot recovery onto a missing collection).</summary>
    public (Collection Collection, bool Created) GetOrCreate(string name, Func<CollectionConfig> config)
    {
        lock (_gate)
        {
            if (_collections.TryGetValue(name, out var existing))
            {
                return (existing, false);
            }

            if (_aliases.TryGetValue(name, out var target) && _collections.TryGetValue(target, out var aliased))
            {
                return (aliased, false);
            }

            var collection = new Collection(name, config());
            _collections[name] = collection;
            return (collection, true);
        }
    }

    public bool Delete(string name)
    {
        lock (_gate)
        {
            if (!_collections.Remove(name))
            {
                return false;
            }

            foreach (var alias in _aliases.Where(a => a.Value == name).Select(a => a.Key).ToList())
            {
                _aliases.Remove(alias);
            }

            return true;
        }
    }

    public IReadOnlyList<(string Alias, string Collection)> Aliases(string? collection = null)
    {
        lock (_gate)
        {
            return _aliases
                .Where(a => collection is null || a.Value == collection)
                .OrderBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => (a.Key, a.Value))
                .ToList();
        }
    }

    /// <summary>Applies alias actions in order; a failing action stops the rest without undoing earlier ones.</summary>
    public void ApplyAliasActions(IEnumerable<AliasAction> actions)
    {
        lock (_gate)
        {
            foreach (var action in actions)
            {
                switch (action)
                {
                    case AliasAction.Create create:
                        if (!_collections.ContainsKey(create.Collection))
                        {
                            throw QdrantApiException.CollectionNotFound(create.Collection);
                        }

                        if (_collections.ContainsKey(create.Alias))
                        {
                            throw QdrantApiException.AlreadyExists($"Collection `{create.Alias}` already exists!");
                        }

                        _aliases[create.Alias] = create.Collection;
                        break;
                    case AliasAction.Delete delete:
                        _aliases.Remove(delete.Alias);
                        break;
                    case AliasAction.Rename rename:
                        if (!_aliases.Remove(rename.OldAlias, out var target))
                        {
                            throw QdrantApiException.NotFound($"Alias {rename.OldAlias} does not exists!");
                        }

                        if (_collections.ContainsKey(rename.NewAlias))
                        {
                            _aliases[rename.OldAlias] = target;
                            throw QdrantApiException.AlreadyExists($"Collection `{rename.NewAlias}` already exists!");
                        }

                        _aliases[rename.NewAlias] = target;
                        break;
                }
            }
        }
    }
}

/// <summary>One action of <c>POST /collections/aliases</c>.</summary>
internal abstract record AliasAction
{
    public sealed record Create(string Collection, string Alias) : AliasAction;

    public sealed record Delete(string Alias) : AliasAction;

    public sealed record Rename(string OldAlias, string NewAlias) : AliasAction;
}
