using System.Text;

namespace VectorDR.KubeEmulator.Jobs;

/// <summary>
/// The log of one container instance (stdout and stderr interleaved, as the kubelet's log file), kept on disk in two
/// rotating segments so that only about the last <c>limit</c> bytes survive, like the kubelet's log rotation.
/// Positions are logical offsets since the container started, so a follower is not confused by rotation.
/// </summary>
internal sealed class ContainerLog
{
    private readonly object _gate = new();
    private readonly string _current;
    private readonly string _older;
    private readonly long _segmentLimit;
    private long _olderStart;
    private long _currentStart;
    private long _length;
    private bool _completed;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ContainerLog(string directory, long limit)
    {
        Directory.CreateDirectory(directory);
        _current = Path.Combine(directory, "current.log");
        _older = Path.Combine(directory, "older.log");
        _segmentLimit = Math.Max(1, limit / 2);
        File.WriteAllBytes(_current, []);
        File.Delete(_older);
    }

    /// <summary>True once the container has stopped and its output has been drained.</summary>
    public bool Completed
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            using (var stream = new FileStream(_current, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                stream.Write(data);
            }

            _length += data.Length;
            if (_length - _currentStart >= _segmentLimit)
            {
                File.Move(_current, _older, overwrite: true);
                File.WriteAllBytes(_current, []);
                _olderStart = _currentStart;
                _currentStart = _length;
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public void Complete()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _completed = true;
            changed = _changed;
        }

        changed.TrySetResult();
    }

    /// <summary>Bytes from logical offset <paramref name="from"/> (or the oldest kept) to the end, and the end offset.</summary>
    public (byte[] Data, long End) ReadFrom(long from)
    {
        lock (_gate)
        {
            using var buffer = new MemoryStream();
            if (from < _currentStart && File.Exists(_older))
            {
                var older = File.ReadAllBytes(_older);
                var skip = (int)Math.Clamp(from - _olderStart, 0, older.Length);
                buffer.Write(older, skip, older.Length - skip);
            }

            var current = File.ReadAllBytes(_current);
            var skipCurrent = (int)Math.Clamp(from - _currentStart, 0, current.Length);
            buffer.Write(current, skipCurrent, current.Length - skipCurrent);
            return (buffer.ToArray(), _length);
        }
    }

    /// <summary>Completes when more output arrives after <paramref name="known"/> or the container stops.</summary>
    public Task WaitForChangeAsync(long known, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _length > known || _completed ? Task.CompletedTask : _changed.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of <paramref name="data"/> (a trailing newline does not start a line).</summary>
    public static byte[] TailLines(byte[] data, long lines)
    {
        if (lines <= 0)
        {
            return [];
        }

        var end = data.Length > 0 && data[^1] == (byte)'\n' ? data.Length - 1 : data.Length;
        var count = 0L;
        for (var i = end - 1; i >= 0; i--)
        {
            if (data[i] == (byte)'\n' && ++count == lines)
            {
                return data[(i + 1)..];
            }
        }

        return data;
    }

    /// <summary>The kubelet's FallbackToLogsOnError message: the last 80 lines, at most the last 2048 bytes.</summary>
    public string FallbackMessage()
    {
        var tail = TailLines(ReadFrom(0).Data, 80);
        if (tail.Length > 2048)
        {
            tail = tail[^2048..];
        }

        return Encoding.UTF8.GetString(tail);
    }
}

/// <summary>The logs of every container instance the runner started, by pod uid and container (newest last, for <c>previous</c>).</summary>
internal sealed class LogStore(long limitPerContainer)
{
    private readonly Dictionary<(string PodUid, string Container), List<ContainerLog>> _logs = new();

    public ContainerLog StartInstance(string podUid, string podDirectory, string container)
    {
        lock (_logs)
        {
            var key = (podUid, container);
            if (!_logs.TryGetValue(key, out var instances))
            {
                instances = [];
                _logs[key] = instances;
            }

            var log = new ContainerLog(Path.Combine(podDirectory, "logs", container, instances.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), limitPerContainer);
            instances.Add(log);

            // The kubelet keeps the current and the previous instance only.
            if (instances.Count > 2)
            {
                instances.RemoveAt(0);
            }

            return log;
        }
    }

    public ContainerLog? Find(string podUid, string container, bool previous)
    {
        lock (_logs)
        {
            return _logs.TryGetValue((podUid, container), out var instances) && instances.Count > (previous ? 1 : 0)
                ? instances[previous ? instances.Count - 2 : instances.Count - 1]
                : null;
        }
    }

    public void Forget(string podUid)
    {
        lock (_logs)
        {
            foreach (var key in _logs.Keys.Where(k => k.PodUid == podUid).ToList())
            {
                _logs.Remove(key);
            }
        }
    }
}
