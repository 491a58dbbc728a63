using System.Security.Cryptography;

namespace VectorDR.Storage.Tests.Support;

/// <summary>
/// A forward-only, non-seekable stream of deterministic pseudo-random bytes (like a snapshot arriving over HTTP),
/// with hooks to fail or cancel after a given number of bytes.
/// </summary>
internal sealed class GeneratedStream(long length, int seed = 1) : Stream
{
    private readonly Random _random = new(seed);
    private long _position;

    /// <summary>Throw an <see cref="IOException"/> once this many bytes were read.</summary>
    public long? FailAfter { get; init; }

    /// <summary>Called once when this many bytes were read (e.g. to cancel a token).</summary>
    public (long At, Action Action)? Trigger { get; init; }

    private bool _triggered;

    public static byte[] Bytes(long length, int seed = 1)
    {
        var data = new byte[length];
        using var s = new GeneratedStream(length, seed);
        s.ReadExactly(data);
        return data;
    }

    public static byte[] Sha256(long length, int seed = 1)
    {
        using var s = new GeneratedStream(length, seed);
        return SHA256.HashData(s);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (FailAfter is { } fail && _position >= fail) throw new IOException($"source failed after {_position} bytes (test)");
        if (Trigger is { } t && !_triggered && _position >= t.At)
        {
            _triggered = true;
            t.Action();
        }

        var n = (int)Math.Min(buffer.Length, length - _position);
        if (FailAfter is { } f2) n = (int)Math.Min(n, Math.Max(1, f2 - _position));
        if (Trigger is { } t2 && !_triggered) n = (int)Math.Min(n, Math.Max(1, t2.At - _position));
        if (n <= 0) return 0;
        _random.NextBytes(buffer[..n]);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal static class StreamAssert
{
    public static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var ms = new MemoryStream();
        await stream.CopyToAsync(ms);
        return ms.ToArray();
    }

    public static async Task<(long Length, byte[] Sha256)> HashAsync(Stream stream)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            total += n;
        }

        return (total, sha.GetHashAndReset());
    }
}
