using System.Net;
using Amazon.S3;
using VectorDR.Storage.S3;

namespace VectorDR.Storage.Tests.Units;

public sealed class S3ErrorTranslatorTests
{
    private static readonly S3ErrorTranslator Errors = new(new S3Location("backups", "qdrant", new Uri("http://127.0.0.1:7480")));

    private static AmazonS3Exception Answer(string code, HttpStatusCode status, string message = "m") =>
        new(message, Amazon.Runtime.ErrorType.Sender, code, "request-id", status);

    [Fact]
    public void Rejected_credentials_name_what_was_being_done_and_never_the_keys()
    {
        var error = Errors.Translate(Answer("SignatureDoesNotMatch", HttpStatusCode.Forbidden), "upload part 3 of 'b1/part' to", "b1/part")!;

        Assert.Contains("could not upload part 3 of 'b1/part' to bucket 'backups': the credentials were rejected by the endpoint http://127.0.0.1:7480 (SignatureDoesNotMatch)",
            error.Message);
    }

    [Theory]
    [InlineData("Bucket is missing Object Lock Configuration", true)]
    [InlineData("x-amz-object-lock-mode: ObjectLock is not enabled for this bucket", true)]
    [InlineData("Unable to read the request body block", false)]
    [InlineData("RequestTimeTooSkewed: check your clock", false)]
    public void Only_an_answer_that_names_Object_Lock_is_read_as_a_bucket_without_it(string message, bool objectLock)
    {
        var error = Errors.Translate(Answer("InvalidRequest", HttpStatusCode.BadRequest, message), "write 'k' to", "k")!;

        Assert.Equal(objectLock, error.Message.Contains("does not have Object Lock enabled", StringComparison.Ordinal));
        if (!objectLock) Assert.Contains("could not write 'k' to bucket 'backups'", error.Message);
    }
}
