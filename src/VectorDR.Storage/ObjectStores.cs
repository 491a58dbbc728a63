using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VectorDR.Storage.FileSystem;

namespace VectorDR.Storage;

/// <summary>Opens an <see cref="IObjectStore"/> from a location string, after checking it is usable.</summary>
public static class ObjectStores
{
    /// <summary>
    /// Parses <paramref name="location"/>, opens the store and checks it: the directory or bucket exists, the endpoint
    /// answers, the credentials are accepted and, with <see cref="ObjectStoreOpenOptions.RequireWritable"/>, a write
    /// succeeds. Throws <see cref="Core.Errors.InvalidInputException"/> for a bad or missing location and
    /// <see cref="StorageException"/> for an unusable one; messages name the location, never a secret.
    /// </summary>
    public static Task<IObjectStore> OpenAsync(string location, ObjectStoreOpenOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ObjectStoreOpenOptions();
        return OpenAsync(StorageLocation.Parse(location, options.Environment), options, cancellationToken);
    }

    /// <inheritdoc cref="OpenAsync(string, ObjectStoreOpenOptions?, CancellationToken)"/>
    public static async Task<IObjectStore> OpenAsync(StorageLocation location, ObjectStoreOpenOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        options ??= new ObjectStoreOpenOptions();
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        switch (location)
        {
            case FileSystemLocation fs:
                var store = new FileSystemObjectStore(fs.RootDirectory, loggers.CreateLogger<FileSystemObjectStore>());
                await store.CheckAsync(options, cancellationToken).ConfigureAwait(false);
                return store;
            case S3Location s3:
                return await S3.S3ObjectStore.OpenAsync(s3, options, cancellationToken).ConfigureAwait(false);
            default:
                throw new NotSupportedException($"no store for {location.GetType().Name}");
        }
    }
}
