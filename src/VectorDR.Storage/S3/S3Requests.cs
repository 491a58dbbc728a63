namespace VectorDR.Storage.S3;

/// <summary>Runs one S3 request with retries and turns its final failure into a clear <see cref="Core.Errors.VectorDRException"/>.</summary>
internal sealed class S3Requests(RetryPolicy retry, S3ErrorTranslator errors)
{
    public S3ErrorTranslator Errors => errors;

    /// <param name="action">For messages and logs, e.g. "upload part 3 of 'k' to" (followed by "bucket 'b'").</param>
    public async Task<T> RunAsync<T>(string action, string? key, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await retry.ExecuteAsync(action, call, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && errors.Translate(ex, action, key) is { } translated)
        {
            // say that it was not a one-off: the retries were spent (ExecuteAsync only gives up early on permanent errors)
            if (translated is StorageException storage && retry.MaxRetries > 0 && RetryPolicy.IsTransient(ex, cancellationToken))
            {
                throw new StorageException($"{storage.Message} (gave up after {retry.MaxRetries + 1} attempts)", storage.Kind, ex);
            }

            throw translated;
        }
    }
}
