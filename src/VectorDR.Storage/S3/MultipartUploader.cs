using System.Runtime.ExceptionServices;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace VectorDR.Storage.S3;

/// <summary>
/// Streams a source of unknown length into one S3 object. The source is read into part buffers; up to
/// <see cref="S3TransferOptions.UploadPartsInFlight"/> parts upload concurrently while the next one fills, so memory
/// stays at about partSize × (inFlight + 2), shared by all uploads of the store. A source shorter than one part becomes a single PutObject.
/// Each part is retried on its own; on any failure (the source, a part, cancellation) the multipart upload is aborted,
/// so nothing — neither object nor stored parts — is left behind.
/// </summary>
internal sealed class MultipartUploader(S3Target target, ILogger logger)
{
    /// <summary>Abort gets its own deadline: it must run even when the caller's token is already cancelled.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Part buffers shared by every upload of this store, so memory stays bounded however many objects are written at
    /// once (several shards stream in parallel): about part size × (parts in flight + 2). Uploads cannot deadlock on
    /// it: a buffer is only ever held while it is filled or while its part is in flight, and both end on their own.
    /// </summary>
    private readonly PartBufferPool _buffers = new(target.Transfer.UploadPartsInFlight + 2);

    public async Task<long> UploadAsync(string key, Stream content, PutOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            return await UploadBufferedAsync(key, content, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Idle part buffers go back to the process-wide pool between uploads, where the next read stream finds them:
            // a copy verifies each part by reading it back, and would otherwise allocate its range buffers anew.
            _buffers.ReleaseIdle();
        }
    }

    private async Task<long> UploadBufferedAsync(string key, Stream content, PutOptions? options, CancellationToken cancellationToken)
    {
        var sizes = new PartSizePolicy(target.Transfer.PartSize, options?.ExpectedSize);
        var pool = _buffers;
        var firstSize = sizes.SizeOf(1);
        var first = await pool.RentAsync(firstSize, cancellationToken).ConfigureAwait(false);
        int length;
        try
        {
            length = await FillAsync(content, first, firstSize, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            pool.Return(first);
            throw;
        }

        if (length < firstSize)
        {
            // The pool is shared by every upload of the store: the buffer must go back whatever happens.
            try
            {
                await PutSingleAsync(key, first, length, options, cancellationToken).ConfigureAwait(false);
                return length;
            }
            finally
            {
                pool.Return(first);
            }
        }

        return await UploadPartsAsync(key, content, options, sizes, pool, first, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutSingleAsync(string key, byte[] buffer, int length, PutOptions? options, CancellationToken cancellationToken)
    {
        await target.Requests.RunAsync($"write '{key}' to", key, async ct =>
        {
            // a fresh stream per attempt: a retry must resend from the first byte
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var request = new PutObjectRequest
            {
                BucketName = target.Bucket,
                Key = target.Location.FullKey(key),
                InputStream = body,
                AutoCloseStream = false,
                ContentType = "application/octet-stream",
                // The body is in memory: one SHA-256 pass and a plain Content-Length body beat aws-chunked framing,
                // which signs every 64 KiB chunk (CPU) and which some S3-compatible servers handle poorly.
                UseChunkEncoding = false,
                DisablePayloadSigning = target.UnsignedPayload,
            };
            if (target.Location.Checksum == S3ChecksumMode.WhenSupported) request.ChecksumAlgorithm = ChecksumAlgorithm.CRC32;
            if (options?.Lock is { } lockSettings)
            {
                request.ObjectLockMode = ToSdk(lockSettings.Mode);
                request.ObjectLockRetainUntilDate = lockSettings.RetainUntil.UtcDateTime;
            }

            target.Encryption.Apply(request);
            return await target.Client.PutObjectAsync(request, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> UploadPartsAsync(string key, Stream content, PutOptions? options, PartSizePolicy sizes, PartBufferPool pool,
        byte[] first, CancellationToken cancellationToken)
    {
        var fullKey = target.Location.FullKey(key);
        string uploadId;
        try
        {
            uploadId = await InitiateAsync(key, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            pool.Return(first);
            throw;
        }

        logger.LogDebug("Started multipart upload {UploadId} for {Key}", uploadId, fullKey);
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var slots = new SemaphoreSlim(target.Transfer.UploadPartsInFlight);
        var parts = new List<Task<PartETag>>();
        byte[]? buffer = first;
        var length = (int)sizes.SizeOf(1);
        long total = 0;
        try
        {
            for (var partNumber = 1; ; partNumber++)
            {
                await slots.WaitAsync(failFast.Token).ConfigureAwait(false);
                parts.Add(UploadPartAsync(key, uploadId, partNumber, buffer, length, pool, slots, failFast));
                buffer = null; // owned by the part task now
                total += length;
                if (length < sizes.SizeOf(partNumber)) break; // a short part is the last one

                if (partNumber == PartSizePolicy.MaxParts)
                {
                    throw new StorageException($"{target.Location.Display}: '{key}' is larger than S3's limit of {PartSizePolicy.MaxParts} parts allows");
                }

                var nextSize = sizes.SizeOf(partNumber + 1);
                var next = await pool.RentAsync(nextSize, failFast.Token).ConfigureAwait(false);
                try
                {
                    length = await FillAsync(content, next, nextSize, failFast.Token).ConfigureAwait(false);
                }
                catch
                {
                    pool.Return(next);
                    throw;
                }

                if (length == 0)
                {
                    pool.Return(next); // the previous part ended exactly at the end of the source
                    break;
                }

                buffer = next;
            }

            var etags = await Task.WhenAll(parts).ConfigureAwait(false);
            await CompleteAsync(key, uploadId, etags, total, cancellationToken).ConfigureAwait(false);
            logger.LogDebug("Completed {Key}: {Bytes} bytes in {Parts} parts", fullKey, total, etags.Length);
        }
        catch (Exception ex)
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            if (buffer is not null) pool.Return(buffer);
            // Wait for every part to stop before aborting: a part that lands after the abort would be stored again.
            try
            {
                await Task.WhenAll(parts).ConfigureAwait(false);
            }
            catch
            {
                // the first failure is reported below
            }

            await AbortAsync(key, uploadId).ConfigureAwait(false);

            if (!cancellationToken.IsCancellationRequested && PartFailureToReport(ex, parts, key) is { } partFailure)
            {
                ExceptionDispatchInfo.Throw(partFailure);
            }

            throw;
        }

        if (options?.Lock is { } wanted) await LockCompletedObjectAsync(key, wanted, cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>
    /// When the upload failed because of a part (directly, or through the cancellation a failed part triggers in the
    /// read loop), the part failure to report: a translated one if any part has it. A part still finishing its last
    /// attempt when another part's failure cancels it ends with the SDK's raw exception (its request runner does not
    /// translate failures it sees after cancellation), and Task.WhenAll reports parts in part order, not failure order.
    /// Null when the failure came from elsewhere (the source stream), which is then reported as it is.
    /// </summary>
    private Exception? PartFailureToReport(Exception caught, List<Task<PartETag>> parts, string key)
    {
        var failures = parts.Where(p => p.IsFaulted).SelectMany(p => p.Exception!.InnerExceptions)
            .Where(e => e is not OperationCanceledException).ToList();
        if (failures.Count == 0 || (caught is not OperationCanceledException && !failures.Contains(caught))) return null;
        return failures.OfType<Core.Errors.VectorDRException>().FirstOrDefault()
               ?? target.Requests.Errors.Translate(failures[0], $"upload '{key}' to", key)
               ?? failures[0];
    }

    /// <summary>
    /// A requested lock that cannot be applied must not leave an unlocked object behind: delete it and fail.
    /// </summary>
    private async Task LockCompletedObjectAsync(string key, ObjectLockSettings wanted, CancellationToken cancellationToken)
    {
        try
        {
            await ObjectRetention.EnsureAsync(target, key, wanted, logger, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            try
            {
                await target.Client.DeleteObjectAsync(target.Bucket, target.Location.FullKey(key), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception deleteError)
            {
                logger.LogWarning(deleteError, "Could not remove {Key}, written without its requested retention", key);
            }

            throw;
        }
    }

    private async Task<string> InitiateAsync(string key, PutOptions? options, CancellationToken cancellationToken)
    {
        var response = await target.Requests.RunAsync($"start a multipart upload of '{key}' to", key, ct =>
        {
            var request = new InitiateMultipartUploadRequest
            {
                BucketName = target.Bucket,
                Key = target.Location.FullKey(key),
                ContentType = "application/octet-stream",
            };
            if (target.Location.Checksum == S3ChecksumMode.WhenSupported) request.ChecksumAlgorithm = ChecksumAlgorithm.CRC32;
            if (options?.Lock is { } lockSettings)
            {
                request.ObjectLockMode = ToSdk(lockSettings.Mode);
                request.ObjectLockRetainUntilDate = lockSettings.RetainUntil.UtcDateTime;
            }

            target.Encryption.Apply(request);
            return target.Client.InitiateMultipartUploadAsync(request, ct);
        }, cancellationToken).ConfigureAwait(false);
        return response.UploadId;
    }

    private async Task<PartETag> UploadPartAsync(string key, string uploadId, int partNumber, byte[] buffer, int length,
        PartBufferPool pool, SemaphoreSlim slots, CancellationTokenSource failFast)
    {
        try
        {
            var response = await target.Requests.RunAsync($"upload part {partNumber} of '{key}' to", key, async ct =>
            {
                using var body = new MemoryStream(buffer, 0, length, writable: false);
                var request = new UploadPartRequest
                {
                    BucketName = target.Bucket,
                    Key = target.Location.FullKey(key),
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    PartSize = length,
                    InputStream = body,
                    UseChunkEncoding = false, // see PutSingleAsync
                    DisablePayloadSigning = target.UnsignedPayload,
                };
                if (target.Location.Checksum == S3ChecksumMode.WhenSupported) request.ChecksumAlgorithm = ChecksumAlgorithm.CRC32;
                target.Encryption.Apply(request);
                return await target.Client.UploadPartAsync(request, ct).ConfigureAwait(false);
            }, failFast.Token).ConfigureAwait(false);
            return new PartETag(partNumber, response.ETag) { ChecksumCRC32 = response.ChecksumCRC32 };
        }
        catch
        {
            // stop the other parts and the read loop at once
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            pool.Return(buffer);
            slots.Release();
        }
    }

    private async Task CompleteAsync(string key, string uploadId, PartETag[] etags, long total, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            await target.Requests.RunAsync($"complete the upload of '{key}' to", key, ct =>
            {
                attempts++;
                var request = new CompleteMultipartUploadRequest
                {
                    BucketName = target.Bucket,
                    Key = target.Location.FullKey(key),
                    UploadId = uploadId,
                    PartETags = etags.OrderBy(p => p.PartNumber).ToList(),
                };
                return target.Client.CompleteMultipartUploadAsync(request, ct);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (attempts > 1 && IsNoSuchUpload(ex))
        {
            // Complete is not idempotent: when a retried attempt finds the upload gone, the earlier attempt may have
            // succeeded and only its response was lost. Accept it if the object is there with the expected size.
            var head = await target.Client.GetObjectMetadataAsync(target.Bucket, target.Location.FullKey(key), cancellationToken).ConfigureAwait(false);
            if (head.ContentLength != total) throw;
            logger.LogInformation("Upload of {Key} had completed before a retried complete request", key);
        }
    }

    private async Task AbortAsync(string key, string uploadId)
    {
        using var deadline = new CancellationTokenSource(AbortTimeout);
        try
        {
            await target.Requests.RunAsync($"abort the upload of '{key}' to", key,
                ct => target.Client.AbortMultipartUploadAsync(target.Bucket, target.Location.FullKey(key), uploadId, ct), deadline.Token).ConfigureAwait(false);
            logger.LogDebug("Aborted multipart upload {UploadId} of {Key}", uploadId, key);
        }
        catch (Exception ex)
        {
            // Not fatal for the caller (the upload failed anyway), but its parts cost storage until gc aborts it.
            logger.LogWarning(ex, "Could not abort multipart upload {UploadId} of {Key}; `gc` will remove it later", uploadId, key);
        }
    }

    /// <summary>Reads until <paramref name="size"/> bytes or the end of the source; returns the count.</summary>
    private static async Task<int> FillAsync(Stream content, byte[] buffer, long size, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < size)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled, (int)size - filled), cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            filled += read;
        }

        return filled;
    }

    private static bool IsNoSuchUpload(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is AmazonS3Exception { ErrorCode: "NoSuchUpload" }) return true;
        }

        return false;
    }

    internal static Amazon.S3.ObjectLockMode ToSdk(ObjectLockMode mode) =>
        mode == ObjectLockMode.Compliance ? Amazon.S3.ObjectLockMode.Compliance : Amazon.S3.ObjectLockMode.Governance;
}
