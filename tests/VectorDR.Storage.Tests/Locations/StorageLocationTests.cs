using VectorDR.Core.Errors;

namespace VectorDR.Storage.Tests.Locations;

public sealed class StorageLocationTests
{
    private static readonly Func<string, string?> NoEnv = _ => null;

    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("/var/backups", "/var/backups")]
    [InlineData("/var/backups/", "/var/backups")]
    [InlineData("file:///var/backups", "/var/backups")]
    [InlineData("file://localhost/var/backups", "/var/backups")]
    [InlineData("FILE:///var/my%20backups", "/var/my backups")]
    public void Filesystem_locations_parse_to_an_absolute_directory(string text, string expected)
    {
        var location = Assert.IsType<FileSystemLocation>(StorageLocation.Parse(text, NoEnv));
        Assert.Equal(expected, location.RootDirectory);
        Assert.Equal(expected, location.Display);
    }

    [Fact]
    public void A_relative_path_is_resolved_against_the_working_directory()
    {
        var location = Assert.IsType<FileSystemLocation>(StorageLocation.Parse("backups/x", NoEnv));
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "backups", "x"), location.RootDirectory);
    }

    [Fact]
    public void A_full_s3_location_parses_every_setting()
    {
        var location = Assert.IsType<S3Location>(StorageLocation.Parse(
            "s3://my-bucket/team/qdrant/?endpoint=http://127.0.0.1:7480&region=eu-west-3&pathStyle=true&checksum=when-required", NoEnv));

        Assert.Equal("my-bucket", location.Bucket);
        Assert.Equal("team/qdrant", location.Prefix);
        Assert.Equal(new Uri("http://127.0.0.1:7480"), location.Endpoint);
        Assert.Equal("eu-west-3", location.Region);
        Assert.True(location.ForcePathStyle);
        Assert.Equal(S3ChecksumMode.WhenRequired, location.Checksum);
        Assert.Null(location.Encryption);
        Assert.Equal("team/qdrant/backups/x", location.FullKey("backups/x"));
        Assert.Equal("backups/x", location.StoreKey("team/qdrant/backups/x"));
        Assert.Equal(
            "s3://my-bucket/team/qdrant?endpoint=http://127.0.0.1:7480&region=eu-west-3&pathStyle=true&checksum=when-required",
            location.Display);
    }

    [Fact]
    public void A_bare_bucket_uses_defaults()
    {
        var location = Assert.IsType<S3Location>(StorageLocation.Parse("s3://bucket", NoEnv));

        Assert.Equal("", location.Prefix);
        Assert.Null(location.Endpoint);
        Assert.Equal("us-east-1", location.Region);
        Assert.False(location.ForcePathStyle); // AWS: virtual-hosted style
        Assert.Equal(S3ChecksumMode.WhenSupported, location.Checksum);
        Assert.Equal("k", location.FullKey("k"));
        Assert.Equal("s3://bucket?region=us-east-1&pathStyle=false&checksum=when-supported", location.Display);
    }

    [Fact]
    public void A_custom_endpoint_defaults_to_path_style_unless_told_otherwise()
    {
        Assert.True(((S3Location)StorageLocation.Parse("s3://bucket?endpoint=https://s3.example.com", NoEnv)).ForcePathStyle);
        Assert.False(((S3Location)StorageLocation.Parse("s3://bucket?endpoint=https://s3.example.com&pathStyle=FALSE", NoEnv)).ForcePathStyle);
    }

    [Fact]
    public void The_standard_AWS_variables_fill_what_the_string_omits()
    {
        var env = Env(("AWS_ENDPOINT_URL_S3", "http://s3-specific:1"), ("AWS_ENDPOINT_URL", "http://generic:2"),
            ("AWS_REGION", "ap-south-1"), ("AWS_DEFAULT_REGION", "eu-north-1"));
        var location = (S3Location)StorageLocation.Parse("s3://bucket/p", env);

        Assert.Equal(new Uri("http://s3-specific:1"), location.Endpoint);
        Assert.Equal("ap-south-1", location.Region);
    }

    [Fact]
    public void The_generic_variables_are_the_last_fallback()
    {
        var location = (S3Location)StorageLocation.Parse("s3://bucket/p", Env(("AWS_ENDPOINT_URL", "http://generic:2"), ("AWS_DEFAULT_REGION", "eu-north-1")));

        Assert.Equal(new Uri("http://generic:2"), location.Endpoint);
        Assert.Equal("eu-north-1", location.Region);
    }

    [Fact]
    public void The_string_wins_over_the_environment()
    {
        var location = (S3Location)StorageLocation.Parse("s3://bucket?endpoint=http://mine:3&region=us-west-2",
            Env(("AWS_ENDPOINT_URL_S3", "http://env:1"), ("AWS_REGION", "ap-south-1")));

        Assert.Equal(new Uri("http://mine:3"), location.Endpoint);
        Assert.Equal("us-west-2", location.Region);
    }

    [Theory]
    [InlineData("s3://b1b/p?sse=aws:kms&kmsKeyId=testkey-1", S3EncryptionKind.Kms, "testkey-1")]
    [InlineData("s3://b1b/p?sse=aws%3Akms", S3EncryptionKind.Kms, null)]
    [InlineData("s3://b1b/p?sse=AES256", S3EncryptionKind.S3Managed, null)]
    [InlineData("s3://b1b/p?sse=sse-c", S3EncryptionKind.CustomerKey, null)]
    public void Encryption_settings_parse(string text, S3EncryptionKind kind, string? keyId)
    {
        var location = (S3Location)StorageLocation.Parse(text, NoEnv);
        Assert.Equal(new S3Encryption(kind, keyId), location.Encryption);
        Assert.Equal(location, StorageLocation.Parse(location.Display, NoEnv)); // display round-trips
    }

    [Fact]
    public void Prefixes_are_percent_decoded_and_round_trip()
    {
        var location = (S3Location)StorageLocation.Parse("s3://bucket/my%20prefix/x", NoEnv);
        Assert.Equal("my prefix/x", location.Prefix);
        Assert.Equal(location, StorageLocation.Parse(location.Display, NoEnv));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("gs://bucket/x", "unknown scheme 'gs://'")]
    [InlineData("https://bucket/x", "unknown scheme 'https://'")]
    [InlineData("s3://", "missing bucket")]
    [InlineData("s3:///prefix", "missing bucket")]
    [InlineData("s3://ab/x", "invalid bucket name 'ab'")]
    [InlineData("s3://My_Bucket/x", "invalid bucket name 'My_Bucket'")]
    [InlineData("s3://-bucket/x", "invalid bucket name '-bucket'")]
    [InlineData("s3://bucket/x?color=blue", "unknown query parameter 'color'")]
    [InlineData("s3://bucket/x?pathStyle=yes", "'pathStyle' must be true or false, not 'yes'")]
    [InlineData("s3://bucket/x?checksum=always", "'checksum' must be when-supported or when-required")]
    [InlineData("s3://bucket/x?region=a&region=b", "'region' is given twice")]
    [InlineData("s3://bucket/x?region=", "'region' has no value")]
    [InlineData("s3://bucket/x?endpoint=127.0.0.1:7480", "not an absolute http:// or https:// URL")]
    [InlineData("s3://bucket/x?endpoint=ftp://host", "not an absolute http:// or https:// URL")]
    [InlineData("s3://bucket/x?sse=rot13", "'sse' must be aws:kms, AES256 or sse-c")]
    [InlineData("s3://bucket/x?kmsKeyId=k", "'kmsKeyId' needs 'sse=aws:kms'")]
    [InlineData("s3://bucket/a/../b", "'..' path segment")]
    [InlineData("s3://bucket/a//b", "empty path segment")]
    [InlineData("file://server/share", "cannot name a host")]
    [InlineData("file:///x?y=1", "no query parameters")]
    public void Bad_locations_are_rejected_naming_the_offending_part(string text, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => StorageLocation.Parse(text, NoEnv));
        Assert.Contains(expected, ex.Message);
        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
    }

    [Theory]
    [InlineData("s3://AKIAEXAMPLE:SuperSecret123@bucket/x")]
    [InlineData("s3://bucket/x?endpoint=http://AKIAEXAMPLE:SuperSecret123@host")]
    public void Credentials_in_a_location_are_refused_without_echoing_them(string text)
    {
        var ex = Assert.Throws<InvalidInputException>(() => StorageLocation.Parse(text, NoEnv));
        Assert.Contains("credentials", ex.Message);
        Assert.DoesNotContain("SuperSecret123", ex.Message);
    }

    [Fact]
    public void A_bad_endpoint_in_the_environment_is_reported()
    {
        var ex = Assert.Throws<InvalidInputException>(() => StorageLocation.Parse("s3://bucket", Env(("AWS_ENDPOINT_URL", "not a url"))));
        Assert.Contains("endpoint 'not a url'", ex.Message);
    }
}
