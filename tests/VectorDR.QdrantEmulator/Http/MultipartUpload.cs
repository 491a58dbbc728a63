using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace VectorDR.QdrantEmulator.Http;

/// <summary>A received upload, spooled to disk.</summary>
internal sealed record ReceivedUpload(string Path, string? FileName, string Sha256);

/// <summary>
/// Streams the multipart part named <c>snapshot</c> to a file, hashing on the way: the body is never held in memory
/// and never passes through ASP.NET's form buffering.
/// </summary>
internal static class MultipartUpload
{
    public static async Task<ReceivedUpload> ReceiveAsync(HttpContext context, string directory, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw QdrantApiException.BadRequest("Content type must be multipart/form-data with a part named `snapshot`");
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw QdrantApiException.BadRequest("multipart/form-data without boundary");
        }

        var reader = new MultipartReader(boundary, context.Request.Body);
        MultipartSection? section;
        try
        {
            while ((section = await reader.ReadNextSectionAsync(ct)) is not null)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) &&
                    HeaderUtilities.RemoveQuotes(disposition.Name).Value == "snapshot")
                {
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    return await SpoolAsync(section.Body, directory, fileName, ct);
                }
            }
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            throw QdrantApiException.BadRequest($"Failed to read multipart body: {e.Message}");
        }

        throw QdrantApiException.BadRequest("Multipart body has no part named `snapshot`");
    }

    private static async Task<ReceivedUpload> SpoolAsync(Stream body, string directory, string? fileName, CancellationToken ct)
    {
        var path = Path.Combine(directory, $"{Guid.NewGuid():N}.upload");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return new ReceivedUpload(path, fileName, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>A safe bare file name for an uploaded snapshot (Qdrant uses a UUID when the part has none).</summary>
    public static string TargetName(string? fileName)
    {
        var bare = fileName is null ? null : Path.GetFileName(fileName.Replace('\\', '/'));
        return string.IsNullOrWhiteSpace(bare) || bare is "." or ".." ? Guid.NewGuid().ToString() : bare;
    }
}
