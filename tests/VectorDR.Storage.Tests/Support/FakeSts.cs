using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Web;

namespace VectorDR.Storage.Tests.Support;

/// <summary>
/// AWS STS's AssumeRoleWithWebIdentity on 127.0.0.1, as the STS API reference describes it (Query protocol: a form
/// POST with Action and Version; an XML AssumeRoleWithWebIdentityResponse, or an ErrorResponse with HTTP 400). It trusts
/// one role and one token and hands out the credentials it was given, with a session token and an expiry.
/// </summary>
public sealed class FakeSts : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly string _roleArn;
    private readonly Func<string> _validToken;
    private readonly (string AccessKey, string SecretKey) _issued;
    private readonly TimeSpan _lifetime;

    public FakeSts(string roleArn, Func<string> validToken, (string AccessKey, string SecretKey) issued, TimeSpan? lifetime = null)
    {
        (_roleArn, _validToken, _issued, _lifetime) = (roleArn, validToken, issued, lifetime ?? TimeSpan.FromHours(1));
        var port = LoopbackPorts.Free();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Endpoint { get; }

    /// <summary>The form fields of every request, in order (the token included: the test checks what was sent).</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Requests { get; } = new();

    /// <summary>The session token of the n-th credentials handed out (1-based), as S3 must see it.</summary>
    public static string SessionToken(int issue) => $"FwoGZXIvYXdzEFAKE-session-{issue}";

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            try
            {
                await AnswerAsync(context);
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return; // stopped while answering: the client is gone too
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream);
        var form = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
        var fields = form.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => form[k]!);
        Requests.Enqueue(fields);

        string body;
        if (context.Request.HttpMethod != "POST" || fields.GetValueOrDefault("Action") != "AssumeRoleWithWebIdentity" || fields.GetValueOrDefault("Version") != "2011-06-15")
        {
            body = Error(context, "InvalidAction", "Could not find operation " + fields.GetValueOrDefault("Action") + " for version " + fields.GetValueOrDefault("Version"));
        }
        else if (fields.GetValueOrDefault("RoleArn") != _roleArn)
        {
            body = Error(context, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        }
        else if (fields.GetValueOrDefault("WebIdentityToken") != _validToken())
        {
            body = Error(context, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider");
        }
        else if (fields.GetValueOrDefault("RoleSessionName") is not { Length: >= 2 and <= 64 })
        {
            body = Error(context, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
        }
        else
        {
            var expiration = DateTime.UtcNow.Add(_lifetime).ToString("yyyy-MM-ddTHH:mm:ssZ");
            var session = SecurityElement.Escape(fields["RoleSessionName"]);
            body = $"""
                <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleWithWebIdentityResult>
                    <SubjectFromWebIdentityToken>system:serviceaccount:qdrant:vectordr-backup</SubjectFromWebIdentityToken>
                    <Audience>sts.amazonaws.com</Audience>
                    <AssumedRoleUser>
                      <Arn>arn:aws:sts::123456789012:assumed-role/vectordr-backup/{session}</Arn>
                      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:{session}</AssumedRoleId>
                    </AssumedRoleUser>
                    <Credentials>
                      <SessionToken>{SessionToken(Requests.Count)}</SessionToken>
                      <SecretAccessKey>{SecurityElement.Escape(_issued.SecretKey)}</SecretAccessKey>
                      <Expiration>{expiration}</Expiration>
                      <AccessKeyId>{SecurityElement.Escape(_issued.AccessKey)}</AccessKeyId>
                    </Credentials>
                    <Provider>oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider>
                  </AssumeRoleWithWebIdentityResult>
                  <ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata>
                </AssumeRoleWithWebIdentityResponse>
                """;
        }

        context.Response.ContentType = "text/xml";
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static string Error(HttpListenerContext context, string code, string message)
    {
        context.Response.StatusCode = 400;
        return $"""
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <Error><Type>Sender</Type><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error>
              <RequestId>{Guid.NewGuid()}</RequestId>
            </ErrorResponse>
            """;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
