namespace VectorDR.Core.Errors;

/// <summary>
/// Base of every error VectorDR reports to a person. The message must name the object or field at fault
/// and must never contain a secret. <see cref="Kind"/> decides the CLI exit code.
/// </summary>
public abstract class VectorDRException : Exception
{
    protected VectorDRException(string message, Exception? inner = null) : base(message, inner) { }

    public abstract ErrorKind Kind { get; }
}

public enum ErrorKind
{
    /// <summary>The operation ran and failed (exit code 1): unreachable server, failed verification, corrupt part.</summary>
    OperationFailed = 1,

    /// <summary>The request itself is wrong (exit code 2): bad usage, unknown collection or backup id, bad location.</summary>
    InvalidInput = 2,
}

/// <summary>Bad usage or bad input: the caller must change what they asked for.</summary>
public sealed class InvalidInputException(string message, Exception? inner = null) : VectorDRException(message, inner)
{
    public override ErrorKind Kind => ErrorKind.InvalidInput;
}

/// <summary>The operation could not be completed; retrying later or fixing the environment may help.</summary>
public sealed class OperationFailedException(string message, Exception? inner = null) : VectorDRException(message, inner)
{
    public override ErrorKind Kind => ErrorKind.OperationFailed;
}
