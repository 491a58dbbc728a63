namespace VectorDR.QdrantEmulator.Model;

/// <summary>
/// One local shard: points by id, plus a lazily rebuilt id-ordered array used for scroll, snapshots and
/// exact search. Writers take the lock; readers get an immutable ordered array (point-in-time view).
/// </summary>
internal sealed class Shard(int id)
{
    private readonly Lock _gate = new();
    private Dictionary<PointId, StoredPoint> _points = new();
    private StoredPoint[]? _ordered;

    public int Id { get; } = id;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _points.Count;
            }
        }
    }

    public void Upsert(IEnumerable<StoredPoint> points)
    {
        lock (_gate)
        {
            foreach (var point in points)
            {
                _points[point.Id] = point;
            }

            _ordered = null;
        }
    }

    public int Remove(IEnumerable<PointId> ids)
    {
        lock (_gate)
        {
            var removed = ids.Count(id => _points.Remove(id));
            if (removed > 0)
            {
                _ordered = null;
            }

            return removed;
        }
    }

    public StoredPoint? Get(PointId id)
    {
        lock (_gate)
        {
            return _points.GetValueOrDefault(id);
        }
    }

    /// <summary>Replaces the whole content (snapshot recovery swaps a shard's data in one step).</summary>
    public void ReplaceAll(IReadOnlyCollection<StoredPoint> points)
    {
        var fresh = new Dictionary<PointId, StoredPoint>(points.Count);
        foreach (var point in points)
        {
            fresh[point.Id] = point;
        }

        lock (_gate)
        {
            _points = fresh;
            _ordered = null;
        }
    }

    /// <summary>Points in ascending id order; the array is never mutated, so it is a consistent point-in-time view.</summary>
    public StoredPoint[] Ordered()
    {
        lock (_gate)
        {
            if (_ordered is null)
            {
                var array = _points.Values.ToArray();
                Array.Sort(array, static (a, b) => a.Id.CompareTo(b.Id));
                _ordered = array;
            }

            return _ordered;
        }
    }
}
