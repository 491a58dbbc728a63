using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using VectorDR.Core.Errors;

namespace VectorDR.Storage.S3;

/// <summary>
/// Puts a location's server-side encryption onto each request. SSE-C needs the key on every read and write
/// (including HEAD and each part); the key is read once from the file named by VECTORDR_SSE_C_KEY_FILE.
/// </summary>
internal sealed class S3EncryptionHeaders
{
    private readonly S3Encryption? _settings;
    private readonly string? _customerKey;     // base64 of 32 bytes
    private readonly string? _customerKeyMd5;  // base64 MD5 of the raw key, as S3 wants it

    private S3EncryptionHeaders(S3Encryption? settings, byte[]? customerKey)
    {
        _settings = settings;
        if (customerKey is null) return;
        _customerKey = Convert.ToBase64String(customerKey);
        _customerKeyMd5 = Convert.ToBase64String(MD5.HashData(customerKey));
    }

    public bool UsesCustomerKey => _customerKey is not null;

    public static S3EncryptionHeaders Create(S3Encryption? settings, Func<string, string?> environment)
    {
        if (settings?.Kind != S3EncryptionKind.CustomerKey) return new S3EncryptionHeaders(settings, null);
        var file = environment(S3Location.SseCustomerKeyFileVariable);
        if (string.IsNullOrWhiteSpace(file))
        {
            throw new InvalidInputException($"sse=sse-c needs {S3Location.SseCustomerKeyFileVariable} to name a file holding the 256-bit key");
        }

        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot read the SSE-C key file {file}: {ex.Message}", ex);
        }

        return new S3EncryptionHeaders(settings, DecodeKey(raw, file));
    }

    /// <summary>A key file holds either the 32 raw bytes or their base64 text (trailing newline allowed).</summary>
    private static byte[] DecodeKey(byte[] raw, string file)
    {
        if (raw.Length == 32) return raw;
        try
        {
            var decoded = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(raw).Trim());
            if (decoded.Length == 32) return decoded;
        }
        catch (FormatException)
        {
        }

        throw new InvalidInputException($"SSE-C key file {file} must hold exactly 32 bytes, raw or base64-encoded");
    }

    public void Apply(PutObjectRequest r)
    {
        switch (_settings?.Kind)
        {
            case S3EncryptionKind.S3Managed:
                r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
                break;
            case S3EncryptionKind.Kms:
                r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
                r.ServerSideEncryptionKeyManagementServiceKeyId = _settings.KmsKeyId;
                break;
            case S3EncryptionKind.CustomerKey:
                r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
                r.ServerSideEncryptionCustomerProvidedKey = _customerKey;
                r.ServerSideEncryptionCustomerProvidedKeyMD5 = _customerKeyMd5;
                break;
        }
    }

    public void Apply(InitiateMultipartUploadRequest r)
    {
        switch (_settings?.Kind)
        {
            case S3EncryptionKind.S3Managed:
                r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
                break;
            case S3EncryptionKind.Kms:
                r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
                r.ServerSideEncryptionKeyManagementServiceKeyId = _settings.KmsKeyId;
                break;
            case S3EncryptionKind.CustomerKey:
                r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
                r.ServerSideEncryptionCustomerProvidedKey = _customerKey;
                r.ServerSideEncryptionCustomerProvidedKeyMD5 = _customerKeyMd5;
                break;
        }
    }

    public void Apply(CopyObjectRequest r, S3EncryptionHeaders source)
    {
        switch (_settings?.Kind)
        {
            case S3EncryptionKind.S3Managed:
                r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
                break;
            case S3EncryptionKind.Kms:
                r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
                r.ServerSideEncryptionKeyManagementServiceKeyId = _settings.KmsKeyId;
                break;
            case S3EncryptionKind.CustomerKey:
                r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
                r.ServerSideEncryptionCustomerProvidedKey = _customerKey;
                r.ServerSideEncryptionCustomerProvidedKeyMD5 = _customerKeyMd5;
                break;
        }

        if (source.UsesCustomerKey)
        {
            r.CopySourceServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.CopySourceServerSideEncryptionCustomerProvidedKey = source._customerKey;
            r.CopySourceServerSideEncryptionCustomerProvidedKeyMD5 = source._customerKeyMd5;
        }
    }

    public void Apply(UploadPartRequest r)
    {
        if (!UsesCustomerKey) return;
        r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
        r.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        r.ServerSideEncryptionCustomerProvidedKeyMD5 = _customerKeyMd5;
    }

    public void Apply(CopyPartRequest r, S3EncryptionHeaders source)
    {
        if (UsesCustomerKey)
        {
            r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.ServerSideEncryptionCustomerProvidedKey = _customerKey;
            r.ServerSideEncryptionCustomerProvidedKeyMD5 = _customerKeyMd5;
        }

        if (source.UsesCustomerKey)
        {
            r.CopySourceServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
            r.CopySourceServerSideEncryptionCustomerProvidedKey = source._customerKey;
            r.CopySourceServerSideEncryptionCustomerProvidedKeyMD5 = source._customerKeyMd5;
        }
    }

    public void Apply(GetObjectRequest r)
    {
        if (!UsesCustomerKey) return;
        r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
        r.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        r.ServerSideEncryptionCustomerProvidedKeyMD5 = _customerKeyMd5;
    }

    public void Apply(GetObjectMetadataRequest r)
    {
        if (!UsesCustomerKey) return;
        r.ServerSideEncryptionCustomerMethod = ServerSideEncryptionCustomerMethod.AES256;
        r.ServerSideEncryptionCustomerProvidedKey = _customerKey;
        r.ServerSideEncryptionCustomerProvidedKeyMD5 = _customerKeyMd5;
    }
}
