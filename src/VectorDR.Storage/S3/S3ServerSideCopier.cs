using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace VectorDR.Storage.S3;

/// <summary>
/// Copies an object between two buckets of the same S3 service without moving bytes through this process:
/// one CopyObject up to <see cref="S3TransferOptions.MultipartCopyThreshold"/> (S3 allows 5 GiB), above it a multipart
/// upload of UploadPartCopy ranges, a bounded number in flight, aborted on any failure.
/// </summary>
internal sealed class S3ServerSideCopier(S3Target destination, ILogger logger)
{
    public async Task CopyAsync(S3Target source, string sourceKey, long size, string destinationKey, PutOptions? options, CancellationToken cancellationToken)
    {
        if (size <= destination.Transfer.MultipartCopyThreshold)
        {
            await CopyWholeAsync(source, sourceKey, destinationKey, options, cancellationToken).ConfigureAwait(false);
            return;
        }

        await CopyInPartsAsync(source, sourceKey, size, destinationKey, options, cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyWholeAsync(S3Target source, string sourceKey, string destinationKey, PutOptions? options, CancellationToken cancellationToken)
    {
        await destination.Requests.RunAsync($"copy '{sourceKey}' of {source.Location.Display} to '{destinationKey}' in", destinationKey, ct =>
        {
            var request = new CopyObjectRequest
            {
                SourceBucket = source.Bucket,
                SourceKey = source.Location.FullKey(sourceKey),
                DestinationBucket = destination.Bucket,
                DestinationKey = destination.Location.FullKey(destinationKey),
            };
            if (options?.Lock is { } lockSettings)
            {
                request.ObjectLockMode = MultipartUploader.ToSdk(lockSettings.Mode);
                request.ObjectLockRetainUntilDate = lockSettings.RetainUntil.UtcDateTime;
            }

            destination.Encryption.Apply(request, source.Encryption);
            return destination.Client.CopyObjectAsync(request, ct);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyInPartsAsync(S3Target source, string sourceKey, long size, string destinationKey, PutOptions? options, CancellationToken cancellationToken)
    {
        var destinationFullKey = destination.Location.FullKey(destinationKey);
        var partSize = Math.Max(destination.Transfer.CopyPartSize, (size + PartSizePolicy.MaxParts - 1) / PartSizePolicy.MaxParts);
        var initiate = new InitiateMultipartUploadRequest { BucketName = destination.Bucket, Key = destinationFullKey };
        if (options?.Lock is { } lockSettings)
        {
            initiate.ObjectLockMode = MultipartUploader.ToSdk(lockSettings.Mode);
            initiate.ObjectLockRetainUntilDate = lockSettings.RetainUntil.UtcDateTime;
        }

        destination.Encryption.Apply(initiate);
        var uploadId = (await destination.Requests.RunAsync($"start a multipart copy to '{destinationKey}' in", destinationKey,
            ct => destination.Client.InitiateMultipartUploadAsync(initiate, ct), cancellationToken).ConfigureAwait(false)).UploadId;
        try
        {
            using var slots = new SemaphoreSlim(destination.Transfer.UploadPartsInFlight);
            var partCount = (int)((size + partSize - 1) / partSize);
            var parts = Enumerable.Range(1, partCount).Select(async partNumber =>
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var first = (partNumber - 1) * partSize;
                    var last = Math.Min(size, first + partSize) - 1;
                    var response = await destination.Requests.RunAsync($"copy part {partNumber} to '{destinationKey}' in", destinationKey, ct =>
                    {
                        var request = new CopyPartRequest
                        {
                            SourceBucket = source.Bucket,
                            SourceKey = source.Location.FullKey(sourceKey),
                            DestinationBucket = destination.Bucket,
                            DestinationKey = destinationFullKey,
                            UploadId = uploadId,
                            PartNumber = partNumber,
                            FirstByte = first,
                            LastByte = last,
                        };
                        destination.Encryption.Apply(request, source.Encryption);
                        return destination.Client.CopyPartAsync(request, ct);
                    }, cancellationToken).ConfigureAwait(false);
                    return new PartETag(partNumber, response.ETag);
                }
                finally
                {
                    slots.Release();
                }
            }).ToList();
            var etags = await Task.WhenAll(parts).ConfigureAwait(false);
            await destination.Requests.RunAsync($"complete the copy to '{destinationKey}' in", destinationKey,
                ct => destination.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = destination.Bucket,
                    Key = destinationFullKey,
                    UploadId = uploadId,
                    PartETags = etags.OrderBy(p => p.PartNumber).ToList(),
                }, ct), cancellationToken).ConfigureAwait(false);
            logger.LogDebug("Copied {Source} to {Destination} server-side in {Parts} parts", sourceKey, destinationKey, partCount);
            if (options?.Lock is { } wanted) await ObjectRetention.EnsureAsync(destination, destinationKey, wanted, logger, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await destination.Client.AbortMultipartUploadAsync(destination.Bucket, destinationFullKey, uploadId, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception abortError)
            {
                logger.LogWarning(abortError, "Could not abort multipart copy {UploadId} to {Key}; `gc` will remove it later", uploadId, destinationKey);
            }

            throw;
        }
    }
}
