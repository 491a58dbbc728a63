using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VectorDR.Core.Errors;

namespace VectorDR.Storage.FileSystem;

/// <summary>
/// Objects as files under a root directory (typically a mounted PVC). A put streams into a hidden temp file next
/// to its target, fsyncs it and renames it into place, so a key shows either the complete old or the complete new
/// bytes, never a partial file. Putting an existing key replaces it atomically (last writer wins).
/// </summary>
public sealed class FileSystemObjectStore : IObjectStore, IStaleUploadJanitor
{
    /// <summary>Temp files are named <c>.&lt;name&gt;.tmp-&lt;random&gt;</c>; listings skip them and keys may not look like them.</summary>
    internal const string TempMarker = ".tmp-";

    private const int CopyBufferSize = 1 << 20;   // 1 MiB: large sequential writes, few syscalls, bounded memory
    private const int ReadBufferSize = 1 << 20;

    private readonly ILogger _logger;

    public FileSystemObjectStore(string rootDirectory, ILogger<FileSystemObjectStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        _logger = logger ?? NullLogger<FileSystemObjectStore>.Instance;
    }

    /// <summary>The absolute root directory.</summary>
    public string Root { get; }

    public string DisplayLocation => Root;

    public async Task<long> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = PathFor(key);
        if (options?.Lock is not null)
        {
            _logger.LogWarning("Object Lock is not supported on the filesystem store; writing {Key} without retention", key);
        }

        var directory = Path.GetDirectoryName(path)!;
        var tempPath = Path.Combine(directory, $".{Path.GetFileName(path)}{TempMarker}{RandomSuffix()}");
        FileStream? stream = null;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            stream = OpenTempFile(directory, tempPath, key);
            long written = 0;
            int read;
            // Exceptions from the source stream pass through unchanged; only our own file errors are translated.
            while ((read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                try
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsFileError(ex))
                {
                    throw WriteError(key, ex);
                }

                written += read;
            }

            try
            {
                // fsync before the rename: otherwise a crash could leave the final name pointing at missing data.
                stream.Flush(flushToDisk: true);
                await stream.DisposeAsync().ConfigureAwait(false);
                stream = null;
                cancellationToken.ThrowIfCancellationRequested();
                File.Move(tempPath, path, overwrite: true);
            }
            catch (Exception ex) when (IsFileError(ex))
            {
                throw WriteError(key, ex);
            }

            DirectorySync.Flush(directory); // makes the rename itself durable
            return written;
        }
        catch
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            DeleteQuietly(tempPath);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsFileError(Exception ex) => ex is IOException or UnauthorizedAccessException;

    private StorageException WriteError(string key, Exception ex) => ex is UnauthorizedAccessException
        ? new StorageException($"{DisplayLocation}: no permission to write '{key}'", ErrorKind.OperationFailed, ex)
        : new StorageException($"{DisplayLocation}: cannot write '{key}': {ex.Message}", ErrorKind.OperationFailed, ex);

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathFor(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (Directory.Exists(path)) throw new ObjectNotFoundException(DisplayLocation, key); // a folder of other keys, not an object
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                ReadBufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(DisplayLocation, key);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageException($"{DisplayLocation}: no permission to read '{key}'", ErrorKind.OperationFailed, ex);
        }
    }

    public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathFor(key));
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(file.Exists ? ToInfo(key, file) : null);
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var (file, key) in EnumerateFiles(prefix, cancellationToken))
        {
            if (IsTempFileName(file.Name) || !key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            yield return ToInfo(key, file);
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Temp files of puts that are running or died (crash, kill -9): the filesystem's unfinished uploads.</summary>
    public async IAsyncEnumerable<PendingUpload> ListPendingUploadsAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var (file, path) in EnumerateFiles(prefix, cancellationToken))
        {
            if (!IsTempFileName(file.Name)) continue;
            // ".<name>.tmp-<random>" -> the key the put was writing
            var name = file.Name[1..file.Name.LastIndexOf(TempMarker, StringComparison.Ordinal)];
            var slash = path.LastIndexOf('/');
            var key = slash < 0 ? name : $"{path[..slash]}/{name}";
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            // last write, not creation: a live put keeps writing, so only abandoned files grow old
            yield return new PendingUpload(key, file.Name, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async Task<int> AbortStaleUploadsAsync(TimeSpan olderThan, string prefix = "", CancellationToken cancellationToken = default)
    {
        var cutoff = DateTimeOffset.UtcNow - olderThan;
        var removed = 0;
        await foreach (var upload in ListPendingUploadsAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (upload.Started >= cutoff) continue;
            var directory = Path.GetDirectoryName(Path.Combine(Root, upload.Key.Replace('/', Path.DirectorySeparatorChar)))!;
            var path = Path.Combine(directory, upload.UploadId);
            try
            {
                File.Delete(path);
                removed++;
                _logger.LogInformation("Removed stale temporary file {Path} (last written {Started:u})", path, upload.Started);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Could not remove stale temporary file {Path}", path);
            }
        }

        return removed;
    }

    /// <summary>Files under the deepest directory the prefix fully names, with their '/'-separated path from the root.</summary>
    private IEnumerable<(FileInfo File, string Path)> EnumerateFiles(string prefix, CancellationToken cancellationToken)
    {
        ObjectKey.ValidatePrefix(prefix);
        var lastSlash = prefix.LastIndexOf('/');
        var startDirectory = lastSlash < 0 ? Root : Path.Combine(Root, prefix[..lastSlash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(startDirectory)) yield break;

        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0,            // keys may start with '.', which Unix treats as hidden
            IgnoreInaccessible = false,
            ReturnSpecialDirectories = false,
        };
        foreach (var file in new DirectoryInfo(startDirectory).EnumerateFiles("*", enumeration))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return (file, Path.GetRelativePath(Root, file.FullName).Replace(Path.DirectorySeparatorChar, '/'));
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathFor(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (Directory.Exists(path)) return Task.CompletedTask; // a folder of other keys: there is no object to delete
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // already gone
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageException($"{DisplayLocation}: no permission to delete '{key}'", ErrorKind.OperationFailed, ex);
        }

        RemoveEmptyParents(Path.GetDirectoryName(path)!);
        return Task.CompletedTask;
    }

    public Task<Uri?> TryGetReadUrlAsync(string key, TimeSpan validFor, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return Task.FromResult<Uri?>(null);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Checks that the root exists (and optionally creates it) and, when asked, that it takes writes.</summary>
    internal async Task CheckAsync(ObjectStoreOpenOptions options, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Root))
        {
            if (File.Exists(Root)) throw new InvalidInputException($"{Root}: is a file, not a directory");
            if (!options.CreateIfMissing) throw new InvalidInputException($"{Root}: directory does not exist");
            try
            {
                Directory.CreateDirectory(Root);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new StorageException($"{Root}: cannot create the directory: {ex.Message}", ErrorKind.OperationFailed, ex);
            }
        }

        if (!options.RequireWritable) return;
        // A real write, fsync and delete: catches read-only mounts and permission problems that mode bits do not show.
        var probe = Path.Combine(Root, $".vectordr-write-probe{TempMarker}{RandomSuffix()}");
        try
        {
            var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync("probe"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"{Root}: directory is not writable ({ex.Message})", ErrorKind.OperationFailed, ex);
        }
        finally
        {
            DeleteQuietly(probe);
        }
    }

    internal static bool IsTempFileName(string fileName) =>
        fileName.StartsWith('.') && fileName.Contains(TempMarker, StringComparison.Ordinal);

    private string PathFor(string key)
    {
        ObjectKey.Validate(key);
        var fileName = key[(key.LastIndexOf('/') + 1)..];
        if (IsTempFileName(fileName))
        {
            throw new InvalidInputException($"invalid object key '{key}': names starting with '.' and containing '{TempMarker}' are reserved for temporary files");
        }

        var path = Path.GetFullPath(Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar)));
        // Defence in depth: validation already rules out '..', but the store must never touch anything outside its root.
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"invalid object key '{key}': it resolves outside {Root}");
        }

        return path;
    }

    private FileStream OpenTempFile(string directory, string tempPath, string key)
    {
        // A concurrent delete may remove an empty parent between CreateDirectory and the open: retry a few times.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(directory);
                return new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1,
                    FileOptions.Asynchronous);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
            }
            catch (IOException ex) when (ParentIsFile(directory))
            {
                throw new StorageException(
                    $"{DisplayLocation}: cannot write '{key}': a file exists where its folder '{Path.GetRelativePath(Root, directory)}' should be",
                    ErrorKind.OperationFailed, ex);
            }
            catch (Exception ex) when (IsFileError(ex))
            {
                throw WriteError(key, ex);
            }
        }
    }

    private bool ParentIsFile(string directory)
    {
        for (var d = directory; d is not null && d.Length > Root.Length; d = Path.GetDirectoryName(d))
        {
            if (File.Exists(d)) return true;
        }

        return false;
    }

    private void RemoveEmptyParents(string directory)
    {
        // Deleted backups should not leave a skeleton of empty folders behind; stop at the root or any non-empty folder.
        for (var d = directory; d.Length > Root.Length && d.StartsWith(Root, StringComparison.Ordinal); d = Path.GetDirectoryName(d)!)
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(d).Any()) return;
                Directory.Delete(d);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return; // not empty any more (a concurrent put) or not ours to remove
            }
        }
    }

    private void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not remove temporary file {Path}", path);
        }
    }

    private static ObjectInfo ToInfo(string key, FileInfo file) =>
        new(key, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));

    private static string RandomSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
