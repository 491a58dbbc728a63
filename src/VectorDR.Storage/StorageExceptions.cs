using VectorDR.Core.Errors;

namespace VectorDR.Storage;

/// <summary>The object does not exist. The message names the location and the key.</summary>
public sealed class ObjectNotFoundException(string location, string key)
    : VectorDRException($"{location}: object '{key}' does not exist")
{
    public string Key { get; } = key;

    public override ErrorKind Kind => ErrorKind.InvalidInput;
}

/// <summary>The store itself is unusable or refused an operation (missing, not writable, no permission, unreachable).</summary>
public sealed class StorageException(string message, ErrorKind kind = ErrorKind.OperationFailed, Exception? inner = null)
    : VectorDRException(message, inner)
{
    public override ErrorKind Kind { get; } = kind;
}
