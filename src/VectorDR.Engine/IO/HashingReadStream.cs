using System.Security.Cryptography;
using VectorDR.Core.Errors;

namespace VectorDR.Engine.IO;

/// <summary>
/// A forward-only pass-through that computes SHA-256 and counts bytes as they are read, so a part is hashed while it
/// streams instead of in a second pass. With an expectation set it throws when the source ends, before the
/// consumer sees end-of-stream: an upload fed from it is aborted, never completed with corrupt bytes.
/// </summary>
public sealed class HashingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Expectation? _expected;
    private readonly IProgress<long>? _progress;
    private string? _sha256;

    public HashingReadStream(Stream inner, Expectation? expected = null, IProgress<long>? progress = null)
    {
        _inner = inner;
        _expected = expected;
        _progress = progress;
    }

    /// <summary>What the bytes must be; <see cref="What"/> names the object in the error.</summary>
    public sealed record Expectation(string What, long SizeBytes, string Sha256);

    public long BytesRead { get; private set; }

    /// <summary>Lower-case hex SHA-256 of everything read; available once the source reached its end.</summary>
    public string Sha256 => _sha256 ?? throw new InvalidOperationException("The stream has not been read to its end");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _expected?.SizeBytes ?? throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..n]);
        return n;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0)
        {
            _hash.AppendData(data);
            BytesRead += data.Length;
            if (_expected is { } e && BytesRead > e.SizeBytes)
                throw new OperationFailedException($"{e.What} is longer than the {e.SizeBytes} bytes the manifest records");
            _progress?.Report(BytesRead);
            return;
        }

        if (_sha256 is not null) return;
        _sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (_expected is { } x)
        {
            if (BytesRead != x.SizeBytes)
                throw new OperationFailedException($"{x.What} is {BytesRead} bytes, the manifest records {x.SizeBytes}");
            if (!string.Equals(_sha256, x.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new OperationFailedException($"{x.What} has SHA-256 {_sha256}, the manifest records {x.Sha256}");
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
