using System.Net;
using Amazon.S3;
using Microsoft.Extensions.Logging.Abstractions;
using VectorDR.Storage.S3;

namespace VectorDR.Storage.Tests.Units;

public sealed class RetryPolicyTests
{
    public static TheoryData<Exception, bool> Cases => new()
    {
        { new AmazonS3Exception("slow down", Amazon.Runtime.ErrorType.Sender, "SlowDown", "r", HttpStatusCode.ServiceUnavailable), true },
        { new AmazonS3Exception("x", Amazon.Runtime.ErrorType.Receiver, "InternalError", "r", HttpStatusCode.InternalServerError), true },
        { new AmazonS3Exception("x", Amazon.Runtime.ErrorType.Receiver, null, "r", HttpStatusCode.BadGateway), true },
        { new AmazonS3Exception("x", Amazon.Runtime.ErrorType.Sender, "RequestTimeout", "r", HttpStatusCode.BadRequest), true },
        { new AmazonS3Exception("x", Amazon.Runtime.ErrorType.Sender, "BadRequest", "r", HttpStatusCode.BadRequest), true },
        { new AmazonS3Exception("x", Amazon.Runtime.ErrorType.Sender, "AccessDenied", "r", HttpStatusCode.Forbidden), false },
        { new AmazonS3Exception("x", Amazon.Runtime.ErrorType.Sender, "NoSuchBucket", "r", HttpStatusCode.NotFound), false },
        { new AmazonS3Exception("x", Amazon.Runtime.ErrorType.Sender, "InvalidAccessKeyId", "r", HttpStatusCode.Forbidden), false },
        { new HttpRequestException("connection refused", new System.Net.Sockets.SocketException(111)), true },
        { new IOException("connection reset by peer"), true },
        { new TaskCanceledException("request timed out"), true },
        { new InvalidOperationException("a bug"), false },
        // An untrusted certificate will not be trusted on the next attempt.
        { new HttpRequestException("The SSL connection could not be established", new System.Security.Authentication.AuthenticationException("UntrustedRoot")), false },
        { new Amazon.Runtime.AmazonClientException("x", new HttpRequestException("ssl", new System.Security.Authentication.AuthenticationException("x"))), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Transient_failures_are_recognised(Exception ex, bool transient)
    {
        Assert.Equal(transient, RetryPolicy.IsTransient(ex, CancellationToken.None));
    }

    [Fact]
    public void Nothing_is_retried_once_the_caller_cancelled()
    {
        Assert.False(RetryPolicy.IsTransient(new IOException("reset"), new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task A_request_is_retried_until_it_succeeds_within_the_budget()
    {
        var policy = new RetryPolicy(3, TimeSpan.FromMilliseconds(1), NullLogger.Instance);
        var attempts = 0;

        var result = await policy.ExecuteAsync("test", _ => ++attempts < 3 ? throw new IOException("reset") : Task.FromResult(42), CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task The_last_failure_surfaces_when_the_budget_is_spent()
    {
        var policy = new RetryPolicy(2, TimeSpan.FromMilliseconds(1), NullLogger.Instance);
        var attempts = 0;

        await Assert.ThrowsAsync<IOException>(() => policy.ExecuteAsync<int>("test", _ => throw new IOException($"reset {++attempts}"), CancellationToken.None));

        Assert.Equal(3, attempts);
    }
}
