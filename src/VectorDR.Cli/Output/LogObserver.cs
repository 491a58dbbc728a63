using System.Diagnostics;
using System.Globalization;
using VectorDR.Engine;

namespace VectorDR.Cli.Output;

/// <summary>Plain timestamped lines on stderr: for pipes, CI logs and Kubernetes Jobs (<c>kubectl logs</c>).</summary>
internal sealed class LogObserver(TextWriter writer, TimeProvider time) : IOperationObserver
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    public void Step(string message) => Write(message);

    public ITransferObserver BeginTransfer(string label, long? totalBytes)
    {
        Write($"{label}: started{(totalBytes is { } t ? $" ({Bytes.Format(t)})" : "")}");
        return new Transfer(this, label, totalBytes);
    }

    private void Write(string message)
    {
        lock (writer) writer.WriteLine($"{time.GetLocalNow():HH:mm:ss} {message}");
    }

    private sealed class Transfer(LogObserver owner, string label, long? total) : ITransferObserver
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _lastReport = Stopwatch.GetTimestamp();
        private long _bytes;

        public void Report(long value)
        {
            _bytes = value;
            if (Stopwatch.GetElapsedTime(_lastReport) < ReportEvery) return;
            _lastReport = Stopwatch.GetTimestamp();
            var percent = total is > 0 ? $" ({100.0 * value / total.Value:0}%)" : "";
            owner.Write($"{label}: {Bytes.Format(value)}{percent}");
        }

        public void Dispose()
        {
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            owner.Write($"{label}: {Bytes.Format(_bytes)} in {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s ({Bytes.Rate(_bytes, seconds)})");
        }
    }
}

internal static class Bytes
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };

    public static string Rate(long bytes, double seconds) =>
        seconds <= 0 ? "-" : $"{bytes / seconds / (1 << 20):0.0} MiB/s";
}
