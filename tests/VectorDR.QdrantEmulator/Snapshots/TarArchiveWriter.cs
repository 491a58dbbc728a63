using System.Text;

namespace VectorDR.QdrantEmulator.Snapshots;

/// <summary>
/// Minimal streaming ustar writer. Unlike building entries in memory, each entry's size is declared up front and
/// its body is written straight through, so multi-GiB snapshots stream with a fixed-size buffer. All entries get a
/// fixed mtime/uid/gid, which makes the archive a pure function of its content (byte-identical snapshots of an
/// unchanged collection).
/// </summary>
internal sealed class TarArchiveWriter(BlockWriter output)
{
    /// <summary>2024-01-01T00:00:00Z: fixed so that archives are deterministic.</summary>
    public const long FixedMtime = 1704067200;

    private static readonly byte[] Zeros = new byte[1024];

    public ValueTask AddDirectoryAsync(string name, CancellationToken ct) =>
        WriteHeaderAsync(name.EndsWith('/') ? name : name + "/", 0, '5', ct);

    public async ValueTask AddFileAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        await WriteHeaderAsync(name, content.Length, '0', ct);
        await output.WriteAsync(content.Span, ct);
        await PadAsync(content.Length, ct);
    }

    public ValueTask AddTextAsync(string name, string content, CancellationToken ct) =>
        AddFileAsync(name, Encoding.UTF8.GetBytes(content), ct);

    /// <summary>Writes an entry whose body is produced by <paramref name="writeBody"/>, which must write exactly <paramref name="size"/> bytes.</summary>
    public async ValueTask AddStreamedFileAsync(string name, long size, Func<BlockWriter, CancellationToken, ValueTask> writeBody, CancellationToken ct)
    {
        await WriteHeaderAsync(name, size, '0', ct);
        var before = output.Written;
        await writeBody(output, ct);
        var written = output.Written - before;
        if (written != size)
        {
            throw new InvalidOperationException($"tar entry {name}: declared {size} bytes, wrote {written}");
        }

        await PadAsync(size, ct);
    }

    /// <summary>Two zero blocks end a tar archive.</summary>
    public async ValueTask FinishAsync(CancellationToken ct)
    {
        await output.WriteAsync(Zeros, ct);
        await output.FlushAsync(ct);
    }

    private ValueTask PadAsync(long size, CancellationToken ct)
    {
        var remainder = (int)(size % 512);
        return remainder == 0 ? ValueTask.CompletedTask : output.WriteAsync(Zeros.AsSpan(0, 512 - remainder), ct);
    }

    private ValueTask WriteHeaderAsync(string name, long size, char type, CancellationToken ct)
    {
        var header = new byte[512];
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length > 100)
        {
            // ustar prefix field (155 bytes) holds the leading directories of longer names.
            var split = name.LastIndexOf('/', Math.Min(name.Length - 1, 155));
            var prefix = Encoding.UTF8.GetBytes(name[..split]);
            nameBytes = Encoding.UTF8.GetBytes(name[(split + 1)..]);
            if (prefix.Length > 155 || nameBytes.Length > 100)
            {
                throw new InvalidOperationException($"tar entry name too long: {name}");
            }

            prefix.CopyTo(header, 345);
        }

        nameBytes.CopyTo(header, 0);
        Octal(header, 100, 8, type == '5' ? 0x1ED : 0x1A4); // 0755 / 0644
        Octal(header, 108, 8, 0);
        Octal(header, 116, 8, 0);
        Size(header, size);
        Octal(header, 136, 12, FixedMtime);
        header[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0").CopyTo(header, 257);
        Encoding.ASCII.GetBytes("00").CopyTo(header, 263);
        Encoding.ASCII.GetBytes("root").CopyTo(header, 265);
        Encoding.ASCII.GetBytes("root").CopyTo(header, 297);

        // Checksum: sum of all header bytes with the checksum field read as spaces.
        Array.Fill(header, (byte)' ', 148, 8);
        var sum = header.Sum(b => (long)b);
        var checksum = Convert.ToString(sum, 8).PadLeft(6, '0');
        Encoding.ASCII.GetBytes(checksum).CopyTo(header, 148);
        header[154] = 0;
        header[155] = (byte)' ';
        return output.WriteAsync(header, ct);
    }

    private static void Size(byte[] header, long size)
    {
        if (size < 8589934592L)
        {
            Octal(header, 124, 12, size);
            return;
        }

        // GNU base-256 encoding for entries of 8 GiB and more.
        header[124] = 0x80;
        for (var i = 135; i > 124; i--)
        {
            header[i] = (byte)(size & 0xFF);
            size >>= 8;
        }
    }

    private static void Octal(byte[] header, int offset, int length, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        header[offset + length - 1] = 0;
    }
}
