using System.Security.Cryptography;
using VectorDR.Engine.IO;

namespace VectorDR.Engine.Tests;

public sealed class ReadAheadStreamTests
{
    /// <summary>Returns its data in small, uneven reads, then throws if asked to.</summary>
    private sealed class TrickleStream(byte[] data, Exception? failAtEnd = null) : Stream
    {
        private int _position;
        public int Reads { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            if (_position == data.Length)
            {
                if (failAtEnd is not null) throw failAtEnd;
                return 0;
            }
            var n = Math.Min(Math.Min(count, 1 + _position % 7919), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Delivers_exactly_the_source_bytes_in_order()
    {
        var data = RandomNumberGenerator.GetBytes(5 * 65536 + 123);
        await using var ahead = new ReadAheadStream(new TrickleStream(data), chunkSize: 65536, capacity: 2);
        using var copy = new MemoryStream();
        await ahead.CopyToAsync(copy, 10_000);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task A_source_error_surfaces_after_the_data_read_before_it()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        await using var ahead = new ReadAheadStream(new TrickleStream(data, new IOException("connection reset")), chunkSize: 65536, capacity: 2);
        using var copy = new MemoryStream();
        var e = await Assert.ThrowsAsync<IOException>(() => ahead.CopyToAsync(copy, 4096));
        Assert.Equal("connection reset", e.Message);
        Assert.True(copy.Length >= 196_608, $"only {copy.Length} bytes arrived before the error"); // the three full chunks
    }

    [Fact]
    public async Task Reading_ahead_is_bounded_by_the_capacity()
    {
        var source = new TrickleStream(new byte[10 << 20]);
        await using (var ahead = new ReadAheadStream(source, chunkSize: 65536, capacity: 2))
        {
            await Task.Delay(300); // let the producer run as far as it may without a reader
            Assert.True(source.Position <= 4 * 65536, $"read {source.Position} bytes ahead without a consumer");
        }
    }
}

public sealed class TarEndCheckingStreamTests
{
    private static byte[] Tar(int entries)
    {
        using var ms = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(ms, leaveOpen: true))
        {
            for (var i = 0; i < entries; i++)
            {
                var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, $"f{i}")
                {
                    DataStream = new MemoryStream(RandomNumberGenerator.GetBytes(1000 + i)),
                };
                writer.WriteEntry(entry);
            }
        }
        return ms.ToArray();
    }

    [Fact]
    public async Task A_complete_tar_passes_through_unchanged()
    {
        var tar = Tar(3);
        await using var s = new TarEndCheckingStream(new MemoryStream(tar), "part p");
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy, 333);
        Assert.Equal(tar, copy.ToArray());
    }

    [Theory]
    [InlineData(1)]      // one byte short
    [InlineData(512)]    // one end block missing
    [InlineData(1024)]   // end marker missing altogether
    [InlineData(3000)]   // cut inside an entry
    public async Task A_cut_tar_is_refused_at_its_end(int missing)
    {
        var tar = Tar(3);
        await using var s = new TarEndCheckingStream(new MemoryStream(tar[..^missing]), "shard 2 of 'docs'");
        var e = await Assert.ThrowsAsync<VectorDR.Core.Errors.OperationFailedException>(() => s.CopyToAsync(Stream.Null));
        Assert.Contains("shard 2 of 'docs'", e.Message);
        Assert.Contains("cut short", e.Message);
    }
}
