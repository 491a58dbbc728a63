namespace VectorDR.Engine;

/// <summary>
/// Where an operation tells a person what it is doing: progress bars on a terminal, log lines elsewhere.
/// The engine reports; it never decides how things are shown.
/// </summary>
public interface IOperationObserver
{
    void Step(string message);

    /// <summary>Starts a byte transfer; report cumulative bytes, dispose when it ends.</summary>
    ITransferObserver BeginTransfer(string label, long? totalBytes);
}

public interface ITransferObserver : IProgress<long>, IDisposable;

public sealed class NullOperationObserver : IOperationObserver, ITransferObserver
{
    public static readonly NullOperationObserver Instance = new();

    public void Step(string message) { }
    public ITransferObserver BeginTransfer(string label, long? totalBytes) => this;
    public void Report(long value) { }
    public void Dispose() { }
}
