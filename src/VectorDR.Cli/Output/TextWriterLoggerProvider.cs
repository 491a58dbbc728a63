using Microsoft.Extensions.Logging;

namespace VectorDR.Cli.Output;

/// <summary>Single-line log records on the CLI's error stream (stdout is reserved for results).</summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer, LogLevel minimum, TimeProvider time) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly TextWriter _writer = writer;
    private readonly LogLevel _minimum = minimum;
    private readonly TimeProvider _time = time;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(TextWriterLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{owner._time.GetLocalNow():HH:mm:ss} {Level(logLevel)} {formatter(state, exception)}";
            lock (owner._gate) owner._writer.WriteLine(line);
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Warning => "warning:",
            LogLevel.Error or LogLevel.Critical => "error:",
            _ => "",
        };
    }
}
