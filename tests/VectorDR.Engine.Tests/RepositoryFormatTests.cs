using System.Security.Cryptography;
using System.Text;
using VectorDR.Core.Errors;
using VectorDR.Core.Repository;
using VectorDR.Engine.IO;

namespace VectorDR.Engine.Tests;

public sealed class RepositoryFormatTests
{
    [Fact]
    public void Backup_ids_sort_chronologically_and_do_not_collide_within_a_second()
    {
        var t = new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);
        var earlier = RepositoryFormat.NewBackupId(t);
        var later = RepositoryFormat.NewBackupId(t.AddSeconds(1));
        var sameSecond = Enumerable.Range(0, 50).Select(_ => RepositoryFormat.NewBackupId(t)).ToHashSet();

        Assert.StartsWith("20261123T030000Z-", earlier);
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
        Assert.True(sameSecond.Count > 45); // 24 random bits: collisions within a second are vanishingly rare
    }

    [Theory]
    [InlineData("docs", "docs")]
    [InlineData("my docs", "my%20docs")]
    [InlineData("..", "%2E%2E")]
    [InlineData("a.b", "a%2Eb")]
    [InlineData("ünï", "%C3%BCn%C3%AF")]
    [InlineData("100%", "100%25")]
    public void Collection_directories_are_safe_path_segments(string collection, string directory) =>
        Assert.Equal(directory, RepositoryFormat.CollectionDirectory(collection));

    [Theory]
    [InlineData("backups/20261123T030000Z-abcdef/manifest.json", "20261123T030000Z-abcdef")]
    [InlineData("backups/x/docs/manifest.json", null)]
    [InlineData("backups//manifest.json", null)]
    [InlineData("other/x/manifest.json", null)]
    [InlineData("backups/x/collection.snapshot", null)]
    public void Only_top_level_manifests_identify_backups(string key, string? backupId) =>
        Assert.Equal(backupId, RepositoryFormat.BackupIdOfManifestKey(key));

    [Fact]
    public void A_manifest_of_another_major_version_is_refused_with_the_version_named()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            RepositoryFormat.Deserialize("""{"formatVersion":"2.3","backupId":"x"}"""u8, "manifest of backup 'x'"));
        Assert.Contains("format version 2.3", e.Message);
        Assert.Contains("manifest of backup 'x'", e.Message);
    }

    [Fact]
    public void A_manifest_without_a_version_or_not_json_is_reported_as_corrupt()
    {
        Assert.Throws<OperationFailedException>(() => RepositoryFormat.Deserialize("""{"backupId":"x"}"""u8, "m"));
        Assert.Throws<OperationFailedException>(() => RepositoryFormat.Deserialize("not json"u8, "m"));
    }

    [Theory]
    [InlineData("1.0", true)]
    [InlineData("1.1", true)]
    [InlineData("1.2", false)] // a newer minor may change what a part means: refused, not misread
    [InlineData("1", false)]
    public void Known_versions_are_read_with_unknown_keys_ignored_and_newer_ones_refused(string version, bool readable)
    {
        var json = $$"""
            {"formatVersion":"{{version}}","backupId":"b","createdBy":"vectordr 9","futureKey":{"a":1},
             "source":{"url":"http://q:6333/","qdrantVersion":"1.19.0","topology":"standalone"},
             "startedAt":"2026-11-23T03:00:00Z","completedAt":"2026-11-23T03:00:05Z","collections":[]}
            """;
        if (readable) Assert.Equal("b", RepositoryFormat.Deserialize(Encoding.UTF8.GetBytes(json), "m").BackupId);
        else Assert.Throws<InvalidInputException>(() => RepositoryFormat.Deserialize(Encoding.UTF8.GetBytes(json), "m"));
    }

    [Fact]
    public async Task Hashing_stream_hashes_what_streams_through_it()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await using var s = new HashingReadStream(new MemoryStream(data));
        await s.CopyToAsync(Stream.Null);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), s.Sha256);
        Assert.Equal(data.Length, s.BytesRead);
    }

    [Fact]
    public async Task Hashing_stream_with_an_expectation_fails_before_the_consumer_sees_the_end()
    {
        var data = RandomNumberGenerator.GetBytes(100_000);
        var good = Convert.ToHexStringLower(SHA256.HashData(data));
        var wrongHash = new HashingReadStream(new MemoryStream(data), new("part p", data.Length, new string('0', 64)));
        var tooShort = new HashingReadStream(new MemoryStream(data), new("part p", data.Length + 1, good));
        var tooLong = new HashingReadStream(new MemoryStream(data), new("part p", data.Length - 1, good));

        Assert.Contains("SHA-256", (await Assert.ThrowsAsync<OperationFailedException>(() => wrongHash.CopyToAsync(Stream.Null))).Message);
        Assert.Contains("bytes", (await Assert.ThrowsAsync<OperationFailedException>(() => tooShort.CopyToAsync(Stream.Null))).Message);
        Assert.Contains("longer", (await Assert.ThrowsAsync<OperationFailedException>(() => tooLong.CopyToAsync(Stream.Null))).Message);
    }
}
